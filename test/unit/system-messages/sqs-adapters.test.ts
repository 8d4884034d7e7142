/** The SQS adapters (queue ARNs, redelivery backoff, the notify dead letters), against a mocked SQS client (no local SQS stands in for them). */
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { QueueMessage } from '../../../shared/ports';
import { queueUrlFromArn } from '../../../shared/queue/queue-url';
import { sqsRedeliveryDelay } from '../../../shared/queue/sqs-redelivery';
import { queueDeadLetters } from '../../../shared/system-messages/sqs-adapters';

describe('queueUrlFromArn', () => {
  it.each([
    ['arn:aws:sqs:eu-west-1:123456789012:fanout', 'https://sqs.eu-west-1.amazonaws.com/123456789012/fanout'],
    [
      'arn:aws:sqs:us-east-1:123456789012:group-sync.fifo',
      'https://sqs.us-east-1.amazonaws.com/123456789012/group-sync.fifo',
    ],
    [
      'arn:aws-cn:sqs:cn-north-1:123456789012:fanout',
      'https://sqs.cn-north-1.amazonaws.com.cn/123456789012/fanout',
    ],
    [
      'arn:aws-us-gov:sqs:us-gov-west-1:123456789012:fanout',
      'https://sqs.us-gov-west-1.amazonaws.com/123456789012/fanout',
    ],
  ])('%s → %s', (arn, url) => {
    expect(queueUrlFromArn(arn)).toBe(url);
  });

  it.each([
    'arn:aws:sns:eu-west-1:123456789012:topic',
    'arn:aws:sqs:eu-west-1:123456789012',
    'https://sqs.eu-west-1.amazonaws.com/123456789012/fanout',
    '',
  ])('refuses %j, naming it', (arn) => {
    expect(() => queueUrlFromArn(arn)).toThrow(`not an SQS queue ARN: ${arn}`);
  });
});

describe('sqsRedeliveryDelay', () => {
  const client = new SQSClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const sqs = mockClient(client);
  afterAll(() => sqs.restore());
  beforeEach(() => sqs.reset());

  it('keeps the received message invisible for the delay, on the queue it came from', async () => {
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    await sqsRedeliveryDelay(client).delay(
      { receiptHandle: 'rh-1', eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:fanout' },
      40,
    );
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input)).toEqual([
      {
        QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/fanout',
        ReceiptHandle: 'rh-1',
        VisibilityTimeout: 40,
      },
    ]);
  });

  it('passes an SQS failure on (the worker then reports the message failed anyway)', async () => {
    sqs.on(ChangeMessageVisibilityCommand).rejects(new Error('ReceiptHandleIsInvalid'));
    await expect(
      sqsRedeliveryDelay(client).delay(
        { receiptHandle: 'gone', eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:fanout' },
        5,
      ),
    ).rejects.toThrow('ReceiptHandleIsInvalid');
  });
});

describe('queueDeadLetters', () => {
  it('publishes each record as one JSON message', async () => {
    const published: QueueMessage[][] = [];
    const deadLetters = queueDeadLetters({ publish: async (messages) => void published.push([...messages]) });
    const record = {
      reason: 'outcome-unknown' as const,
      detail: 'mesibo timed out after the request was sent',
      notificationId: 'n-1',
      original: { to: ['a', 'b'] },
      at: '2030-01-01T00:00:00.000Z',
    };
    await deadLetters.put(record);
    expect(published).toEqual([[{ body: JSON.stringify(record) }]]);
  });
});
