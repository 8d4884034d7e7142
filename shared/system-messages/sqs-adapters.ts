/** SQS adapters of the notify ports: dead-letter records and retry backoff through visibility. */
import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueuePublisher } from '../ports';
import type { DeadLetterRecord } from './fanout-message';
import type { DeadLetters, RedeliveryDelay } from './ports';

/** `arn:aws:sqs:eu-west-1:123456789012:name` → `https://sqs.eu-west-1.amazonaws.com/123456789012/name`. */
export const queueUrlFromArn = (arn: string): string => {
  const [, partition, service, region, account, name] = arn.split(':');
  if (service !== 'sqs' || !region || !account || !name) throw new Error(`not an SQS queue ARN: ${arn}`);
  const domain = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://sqs.${region}.${domain}/${account}/${name}`;
};

/** Dead-letter records are plain JSON messages on a queue. */
export const queueDeadLetters = (publisher: QueuePublisher): DeadLetters => ({
  put: (record: DeadLetterRecord) => publisher.publish([{ body: JSON.stringify(record) }]),
});

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
