import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSqsPublisher, QueuePublishError } from '../../../shared/queue/sqs-publisher';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/group-sync.fifo';

describe('SQS publisher', () => {
  let sqs: AwsClientStub<SQSClient>;
  let client: SQSClient;
  const sleeps: number[] = [];

  beforeAll(() => {
    client = new SQSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    sqs = mockClient(client);
  });
  afterAll(() => sqs.restore());
  beforeEach(() => {
    sqs.reset();
    sleeps.length = 0;
  });

  const publisher = () =>
    createSqsPublisher({
      queueUrl: QUEUE_URL,
      client,
      maxAttempts: 3,
      random: () => 0.5,
      sleep: async (ms) => void sleeps.push(ms),
    });
  const messages = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      body: `{"n":${i}}`,
      groupId: `g${i % 3}`,
      deduplicationId: `d${i}`,
    }));
  const entriesOf = (call: number) =>
    sqs.commandCalls(SendMessageBatchCommand)[call]?.args[0].input.Entries ?? [];

  it('sends in batches of ten with FIFO group and deduplication ids', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    await publisher().publish(messages(23));
    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    expect(calls[0]?.args[0].input.QueueUrl).toBe(QUEUE_URL);
    expect(entriesOf(2)[2]).toEqual({
      Id: '22',
      MessageBody: '{"n":22}',
      MessageGroupId: 'g1',
      MessageDeduplicationId: 'd22',
    });
  });

  it('splits a batch that would exceed the 1 MiB payload limit', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const big = 'x'.repeat(400 * 1024);
    await publisher().publish([{ body: big }, { body: big }, { body: big }]);
    expect(sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([
      2, 1,
    ]);
  });

  it('resends only the entries that failed for a transient reason, with backoff', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }], Successful: [] })
      .resolves({ Successful: [], Failed: [] });
    await publisher().publish(messages(3));
    expect(entriesOf(1).map((e) => e.Id)).toEqual(['1']);
    expect(sleeps).toEqual([100]);
  });

  it('throws after the bounded number of attempts, naming what was not accepted', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Failed: [{ Id: '0', Code: 'ServiceUnavailable', SenderFault: false }], Successful: [] });
    const error = await publisher()
      .publish(messages(2))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueuePublishError);
    expect((error as QueuePublishError).failures).toEqual([
      { index: 0, code: 'ServiceUnavailable', senderFault: false },
    ]);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(3);
  });

  it('never resends a sender fault', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Failed: [{ Id: '1', Code: 'InvalidParameterValue', SenderFault: true }], Successful: [] });
    await expect(publisher().publish(messages(2))).rejects.toThrow('InvalidParameterValue');
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
  });

  it('refuses an oversized message before sending anything', async () => {
    await expect(publisher().publish([{ body: 'x'.repeat(1024 * 1024 + 1) }])).rejects.toThrow(
      'MessageTooLong',
    );
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it('lets a failed request (after the SDK’s own retries) propagate', async () => {
    sqs.on(SendMessageBatchCommand).rejects(new Error('connect ECONNREFUSED'));
    await expect(publisher().publish(messages(1))).rejects.toThrow('ECONNREFUSED');
  });
});
