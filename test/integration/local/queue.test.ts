/**
 * The local queue as a Lambda event source: SQS-shaped batches (checked with Powertools' SqsSchema),
 * partial batch responses, retries after the visibility timeout, the DLQ, FIFO order per group,
 * deduplication and ChangeMessageVisibility.
 */
import { SqsSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { LocalQueue, type LocalQueueOptions, QueuePublishError } from '../../../local/queue/local-queue';

const base = { region: 'us-east-1', accountId: '000000000000', visibilityTimeoutMs: 50, maxReceiveCount: 3 };

const queue = (
  name: string,
  consumer: LocalQueueOptions['consumer'],
  extra: Partial<LocalQueueOptions> = {},
) => new LocalQueue({ ...base, name, consumer, ...extra });

describe('LocalQueue', () => {
  it('delivers SQS-shaped batches of up to 10 and deletes what succeeded', async () => {
    const batches: SQSEvent[] = [];
    const q = queue('plain', async (event) => {
      batches.push(event);
    });
    await q.publish(Array.from({ length: 12 }, (_, i) => ({ body: `m${i}` })));
    await q.idle();
    for (const b of batches) expect(SqsSchema.safeParse(b).success).toBe(true);
    expect(batches.map((b) => b.Records.length).sort()).toEqual([10, 2].sort());
    expect(batches[0]?.Records[0]).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:plain',
      attributes: { ApproximateReceiveCount: '1' },
    });
    expect(q.stats()).toMatchObject({ depth: 0, inFlight: 0, dlq: 0, sent: 12, deleted: 12 });
    await q.close();
  });

  it('retries only the items in batchItemFailures, then moves them to the DLQ', async () => {
    const receives = new Map<string, number>();
    const q = queue('partial', async (event): Promise<SQSBatchResponse> => {
      for (const r of event.Records) receives.set(r.body, Number(r.attributes.ApproximateReceiveCount));
      return {
        batchItemFailures: event.Records.filter((r) => r.body === 'bad').map((r) => ({
          itemIdentifier: r.messageId,
        })),
      };
    });
    await q.publish([{ body: 'good' }, { body: 'bad' }]);
    await q.idle();
    expect(receives.get('good')).toBe(1);
    expect(receives.get('bad')).toBe(3);
    expect(q.dlq.list().map((d) => [d.body, d.receiveCount])).toEqual([['bad', 3]]);
    expect(q.stats()).toMatchObject({ dlq: 1, deleted: 1 });
    expect(q.redrive()).toBe(1);
    await q.idle();
    expect(q.dlq.list()).toHaveLength(1);
    await q.close();
  });

  it('fails the whole batch when the consumer throws or names an unknown item', async () => {
    let calls = 0;
    const q = queue(
      'whole',
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('boom');
        if (calls === 2) return { batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] };
        return {};
      },
      { maxReceiveCount: 5 },
    );
    await q.publish([{ body: 'a' }, { body: 'b' }]);
    await q.idle();
    expect(calls).toBe(3);
    expect(q.stats()).toMatchObject({ deleted: 2, dlq: 0 });
    await q.close();
  });

  it('keeps FIFO order per group: a failing head blocks its group, not the others', async () => {
    const order: string[] = [];
    let failedOnce = false;
    const q = queue('orders.fifo', async (event): Promise<SQSBatchResponse> => {
      expect(SqsSchema.safeParse(event).success).toBe(true);
      const failures: { itemIdentifier: string }[] = [];
      let groupFailed = false;
      for (const r of event.Records) {
        if (r.attributes.MessageGroupId === 'g1' && (groupFailed || (r.body === 'g1-1' && !failedOnce))) {
          failedOnce = true;
          groupFailed = true;
          failures.push({ itemIdentifier: r.messageId });
          continue;
        }
        order.push(r.body);
      }
      return { batchItemFailures: failures };
    });
    await q.publish([
      { body: 'g1-1', groupId: 'g1' },
      { body: 'g2-1', groupId: 'g2' },
      { body: 'g1-2', groupId: 'g1' },
      { body: 'g2-2', groupId: 'g2' },
    ]);
    await q.idle();
    expect(order.filter((b) => b.startsWith('g1'))).toEqual(['g1-1', 'g1-2']);
    expect(order.filter((b) => b.startsWith('g2'))).toEqual(['g2-1', 'g2-2']);
    expect(order.indexOf('g2-2')).toBeLessThan(order.indexOf('g1-1'));
    await q.close();
  });

  it('drops FIFO duplicates and refuses messages SQS would refuse', async () => {
    const bodies: string[] = [];
    const q = queue('dedup.fifo', async (event) => {
      bodies.push(...event.Records.map((r) => r.body));
    });
    await q.publish([
      { body: 'x', groupId: 'g', deduplicationId: 'd1' },
      { body: 'x again', groupId: 'g', deduplicationId: 'd1' },
      { body: 'y', groupId: 'g' },
      { body: 'y', groupId: 'g' },
    ]);
    await q.idle();
    expect(bodies).toEqual(['x', 'y']);
    await expect(q.publish([{ body: 'no group' }])).rejects.toBeInstanceOf(QueuePublishError);
    await expect(q.publish([{ body: 'x'.repeat(1024 * 1024 + 1), groupId: 'g' }])).rejects.toThrow(
      /shorter than/,
    );
    await q.close();
  });

  it('honours ChangeMessageVisibility for the next delivery', async () => {
    const times: number[] = [];
    let q: LocalQueue;
    q = queue(
      'visibility',
      async (event): Promise<SQSBatchResponse> => {
        times.push(Date.now());
        const [r] = event.Records;
        if (!r || times.length > 1) return { batchItemFailures: [] };
        q.changeVisibility(r.receiptHandle, 0.3);
        return { batchItemFailures: [{ itemIdentifier: r.messageId }] };
      },
      { visibilityTimeoutMs: 10 },
    );
    await q.publish([{ body: 'later' }]);
    await q.idle();
    expect(times).toHaveLength(2);
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(280);
    expect(() => q.changeVisibility('unknown', 1)).toThrow(/ReceiptHandleIsInvalid/);
    await q.close();
  });
});
