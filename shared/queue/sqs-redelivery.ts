/** Backoff through a consumed message's visibility: the SQS adapter of RedeliveryDelay. */
import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { RedeliveryDelay } from '../ports';
import { queueUrlFromArn } from './queue-url';

/** Backoff: the failed message stays invisible for `seconds` before SQS delivers it again. */
export const sqsRedeliveryDelay = (client: SQSClient): RedeliveryDelay => ({
  async delay(message, seconds) {
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrlFromArn(message.eventSourceARN),
        ReceiptHandle: message.receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  },
});
