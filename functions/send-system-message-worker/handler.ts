/**
 * send-system-message-worker: consumes the fan-out queue, one mesibo `message` call per batch.
 * Failed records are reported as partial batch failures (the queue needs ReportBatchItemFailures)
 * after their next delivery was pushed back; everything else is acknowledged.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { SendSystemMessageWorkerDeps } from '../../shared/system-messages/deps';
import { deliverBatch } from '../../shared/system-messages/send-batch';

export const createHandler =
  (deps: SendSystemMessageWorkerDeps) =>
  async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    deps.beginInvocation?.(context);
    try {
      // Until the app token is set the whole batch fails untouched and SQS delivers it again.
      await deps.requireMesibo?.();
      const processor = new BatchProcessor(EventType.SQS);
      return await processPartialResponse(
        event,
        (record: SQSRecord) =>
          deliverBatch(deps, {
            body: record.body,
            receiveCount: Number(record.attributes.ApproximateReceiveCount) || 1,
            receiptHandle: record.receiptHandle,
            eventSourceARN: record.eventSourceARN,
          }),
        processor,
        // Every record failing is still a partial response: their retries are already scheduled.
        { context, throwOnFullBatchFailure: false },
      );
    } finally {
      deps.endInvocation?.();
    }
  };
