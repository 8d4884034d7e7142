import { Logger } from '@aws-lambda-powertools/logger';
import { SqsSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createHandler } from '../../../functions/sync-group-worker/handler';
import { silentLogger } from '../../../local/harness/loggers';
import type { ApplyOutcome } from '../../../shared/group-sync/apply';
import { noGroupSyncMetrics } from '../../../shared/group-sync/metrics';
import { type GroupSyncMessage, groupSyncMessageSchema } from '../../../shared/group-sync/schema';

const record = (id: string, key: string, body?: string, receiveCount = 1) => ({
  messageId: id,
  receiptHandle: `rh-${id}`,
  body:
    body ??
    JSON.stringify({
      deliveryId: id,
      receivedAt: 0,
      event: { type: 'group.delete', group: { key, version: 1 } },
    }),
  attributes: {
    ApproximateReceiveCount: String(receiveCount),
    SentTimestamp: '0',
    SenderId: 'AIDA',
    ApproximateFirstReceiveTimestamp: '0',
    MessageGroupId: key,
    MessageDeduplicationId: id,
    SequenceNumber: '1',
  },
  messageAttributes: {},
  md5OfBody: '0'.repeat(32),
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:group-sync.fifo',
  awsRegion: 'us-east-1',
});

const handlerWith = (apply: (m: GroupSyncMessage) => Promise<ApplyOutcome>) =>
  createHandler({
    messageSchema: groupSyncMessageSchema(100),
    apply,
    logger: silentLogger(),
    metrics: noGroupSyncMetrics,
  });

const applied = (m: GroupSyncMessage): ApplyOutcome => ({
  deliveryId: m.deliveryId,
  key: m.event.group.key,
  type: m.event.type,
  version: m.event.group.version,
  status: 'applied',
  added: 0,
  removed: 0,
  edits: 0,
});

describe('sync-group-worker handler', () => {
  it('fails the failed message and the later ones of its group, and goes on with other groups', async () => {
    const event = SqsSchema.parse({
      Records: [record('1', 'a'), record('2', 'b'), record('3', 'a'), record('4', 'c')],
    }) as SQSEvent;
    const seen: string[] = [];
    const handler = handlerWith(async (m) => {
      seen.push(m.deliveryId);
      if (m.deliveryId === '2') throw new Error('mesibo 500');
      return applied(m);
    });
    const response = await handler(event);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: '2' }]);
    expect(seen).toEqual(['1', '2', '3', '4']);

    const blocked = await handlerWith(async (m) => {
      if (m.deliveryId === '1') throw new Error('mesibo 500');
      return applied(m);
    })(event);
    expect(blocked.batchItemFailures).toEqual([{ itemIdentifier: '1' }, { itemIdentifier: '3' }]);
  });

  it('says in the failure line whether SQS redelivers the event or this receive moves it to the DLQ', async () => {
    const logger = new Logger({ logLevel: 'SILENT' });
    const lines: string[] = [];
    logger.error = (message: string) => {
      lines.push(message);
    };
    const handler = createHandler({
      messageSchema: groupSyncMessageSchema(100),
      apply: async () => {
        throw new Error('mesibo 500');
      },
      logger,
      metrics: noGroupSyncMetrics,
      maxReceiveCount: 3,
    });
    const event = SqsSchema.parse({
      Records: [record('1', 'a', undefined, 2), record('2', 'b', undefined, 3)],
    }) as SQSEvent;
    await handler(event);
    expect(lines).toEqual([
      'group event failed; SQS will redeliver it',
      'group event failed; this was the last receive, it moves to the DLQ',
    ]);
  });

  it('fails a message that is not a valid group-sync message, so it ends in the DLQ', async () => {
    const event = SqsSchema.parse({
      Records: [record('1', 'a', '{"nope":true}'), record('2', 'a', 'not json')],
    }) as SQSEvent;
    const response = await handlerWith(async (m) => applied(m))(event);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: '1' }, { itemIdentifier: '2' }]);
  });
});
