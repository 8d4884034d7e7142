/**
 * sync-group-worker: consumes the group-sync FIFO queue and applies each event to mesibo. Partial batch
 * failures with FIFO semantics: after a failure, later messages of the same group fail too (order is
 * kept), other groups go on. A message that keeps failing moves to the dead-letter queue.
 */
import { SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { ApplyOutcome } from '../../shared/group-sync/apply';
import type { GroupSyncMetricName } from '../../shared/group-sync/metrics';
import { failedEventLine } from '../../shared/group-sync/retry-rule';
import type { GroupSyncWorkerDeps } from '../../shared/group-sync/worker-deps';
import { sqsFunction } from '../../shared/runtime/handler-runtime';

export type WorkerHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

const OUTCOME_METRIC: Record<ApplyOutcome['status'], GroupSyncMetricName> = {
  applied: 'DeliveryApplied',
  stale: 'DeliveryStale',
  duplicate: 'DeliveryDuplicate',
  rejected: 'DeliveryRejected',
};

export const createHandler = ({
  messageSchema,
  apply,
  requireMesibo,
  logger,
  metrics,
  maxReceiveCount,
}: GroupSyncWorkerDeps): WorkerHandler => {
  const applyRecord = async (record: SQSRecord): Promise<void> => {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      throw new Error(`message ${record.messageId} is not JSON`);
    }
    const message = messageSchema.parse(body);
    try {
      const outcome = await apply(message);
      metrics.count(OUTCOME_METRIC[outcome.status]);
      if (outcome.created) metrics.count('GroupCreated');
      if (outcome.edits) {
        metrics.count('MemberEdits', outcome.edits);
        metrics.count('MembersAdded', outcome.added);
        metrics.count('MembersRemoved', outcome.removed);
      }
      logger.info('group event processed', { ...outcome, messageId: record.messageId });
    } catch (e) {
      metrics.count('DeliveryFailed');
      const receiveCount = Number(record.attributes.ApproximateReceiveCount);
      logger.error(failedEventLine(receiveCount, maxReceiveCount), {
        deliveryId: message.deliveryId,
        key: message.event.group.key,
        receiveCount: record.attributes.ApproximateReceiveCount,
        error: e instanceof Error ? e : String(e),
      });
      throw e;
    }
  };

  return sqsFunction(
    { logger, metrics },
    {
      // Until the app token is set the whole batch fails untouched and SQS delivers it again, in order.
      ...(requireMesibo ? { before: requireMesibo } : {}),
      processor: () => new SqsFifoPartialProcessorAsync(),
      record: applyRecord,
      batch: { skipGroupOnError: true },
    },
  );
};
