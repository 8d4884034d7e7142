/**
 * send-system-message-worker: consumes the fan-out queue, one mesibo `message` call per batch.
 * Failed records are reported as partial batch failures (the queue needs ReportBatchItemFailures)
 * after their next delivery was pushed back; everything else is acknowledged.
 */
import { BatchProcessor, EventType } from '@aws-lambda-powertools/batch';
import type { SQSRecord } from 'aws-lambda';
import { sqsFunction } from '../../shared/runtime/handler-runtime';
import type { SendSystemMessageWorkerDeps } from '../../shared/system-messages/deps';
import { deliverBatch } from '../../shared/system-messages/send-batch';

export const createHandler = (deps: SendSystemMessageWorkerDeps) =>
  sqsFunction(deps, {
    // Until the app token is set the whole batch fails untouched and SQS delivers it again.
    ...(deps.requireMesibo ? { before: deps.requireMesibo } : {}),
    processor: () => new BatchProcessor(EventType.SQS),
    record: (record: SQSRecord) =>
      deliverBatch(deps, {
        body: record.body,
        receiveCount: Number(record.attributes.ApproximateReceiveCount) || 1,
        receiptHandle: record.receiptHandle,
        eventSourceARN: record.eventSourceARN,
      }),
  });
