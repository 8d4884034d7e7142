import { afterEach, describe, expect, it } from 'vitest';
import { type NotifyHarness, startNotifyHarness } from '../../../local/harness/system-messages/harness';
import { dynamoBatchLedger } from '../../../shared/system-messages/dynamo-batch-ledger';

const addresses = ['a', 'b', 'c', 'd', 'e', 'f'];
const message = { text: 'Your invoice is ready' };

/** How often each recipient got the message at mesibo. */
const receipts = async (h: NotifyHarness) => {
  const counts: Record<string, number> = {};
  for (const m of (await h.control.state()).messages)
    for (const to of m.to) counts[to] = (counts[to] ?? 0) + 1;
  return counts;
};
const once = Object.fromEntries(addresses.map((a) => [a, 1]));

describe('send-system-message-worker under mesibo faults', () => {
  let h: NotifyHarness;
  const start = async (env: Record<string, string> = {}, mesiboTimeoutMs?: number) => {
    h = await startNotifyHarness({
      env: { FANOUT_BATCH_SIZE: '2', FANOUT_MAX_ATTEMPTS: '3', ...env },
      mesiboTimeoutMs,
    });
  };
  afterEach(() => h.close());

  it('retries only the batch mesibo refused for now, after a backoff', async () => {
    await start();
    await h.control.addFault({ kind: 'status', status: 429, ops: ['message'], skip: 1, count: 1 });
    await h.post({ audience: { addresses }, message });
    // One record per invocation, so the requests reach mesibo in batch order.
    await h.drain({ batchSize: 1 });
    expect(await receipts(h)).toEqual(once);
    const requests = await h.control.requests({ op: 'message' });
    expect(requests.map((r) => (r.params.message as { to: string }).to)).toEqual([
      'a,b',
      'c,d',
      'e,f',
      'c,d',
    ]);
    expect(h.redeliveryDelays).toHaveLength(1);
    expect(h.deadLetters.fanout).toEqual([]);
  });

  it('dead-letters a batch that keeps failing, with the reason, after the attempt bound', async () => {
    await start({ FANOUT_BATCH_SIZE: '10' });
    await h.control.addFault({ kind: 'status', status: 429, ops: ['message'] });
    await h.post({ notificationId: 'stuck-1', audience: { addresses }, message });
    await h.drain();
    expect(await h.control.requests({ op: 'message' })).toHaveLength(3);
    expect(h.deadLetters.fanout).toMatchObject([
      {
        reason: 'attempts-exhausted',
        notificationId: 'stuck-1',
        batch: '0',
        attempts: 3,
        error: { kind: 'http', error: 'HTTP_429' },
        original: { to: addresses },
      },
    ]);
    expect(h.redeliveryDelays).toEqual([expect.any(Number), expect.any(Number)]);
    expect(h.redeliveryDelays[1]).toBeGreaterThan(h.redeliveryDelays[0]!);

    // Redriven from the DLQ once mesibo is back, it is sent (once).
    await h.control.clearFaults();
    const redrive = {
      messageId: 'redrive',
      body: JSON.stringify(h.deadLetters.fanout[0]?.original),
      receiveCount: 0,
    };
    await h.redeliver([redrive]);
    await h.redeliver([redrive]);
    expect(await receipts(h)).toEqual(once);
  });

  describe('a batch whose outcome is unknown (mesibo applied it, then answered 500)', () => {
    it('at-most-once (default): reported, not resent', async () => {
      await start();
      await h.control.addFault({
        kind: 'status-after-apply',
        status: 500,
        ops: ['message'],
        skip: 1,
        count: 1,
      });
      await h.post({ notificationId: 'amo-1', audience: { addresses }, message });
      const delivered = [...h.queued];
      await h.drain({ batchSize: 1 });
      await h.redeliver(delivered);
      expect(await receipts(h)).toEqual(once);
      expect(await h.control.requests({ op: 'message' })).toHaveLength(3);
      expect(h.metrics.worker.get('BatchesOutcomeUnknown')).toBe(1);
      expect(h.deadLetters.fanout).toMatchObject([
        { reason: 'outcome-unknown', notificationId: 'amo-1', batch: '1', original: { to: ['c', 'd'] } },
      ]);
    });

    it('at-least-once: resent until it is known to be sent', async () => {
      await start();
      // Both of the client's attempts end in 500 after mesibo applied them; the worker's retry succeeds.
      await h.control.addFault({ kind: 'status-after-apply', status: 500, ops: ['message'], count: 2 });
      await h.post({ audience: { addresses: ['c', 'd'] }, message, delivery: 'at-least-once' });
      await h.drain();
      expect(await receipts(h)).toEqual({ c: 3, d: 3 });
      expect(h.redeliveryDelays).toHaveLength(1);
      expect(h.deadLetters.fanout).toEqual([]);
    });

    it('a timeout is an unknown outcome too: reported under at-most-once', async () => {
      await start({}, 300);
      await h.control.addFault({ kind: 'hang', ops: ['message'], count: 1 });
      await h.post({ audience: { addresses: ['a', 'b'] }, message });
      await h.drain();
      expect(h.deadLetters.fanout).toMatchObject([{ reason: 'outcome-unknown', error: { kind: 'timeout' } }]);
      expect(await h.control.requests({ op: 'message' })).toHaveLength(1);
    });
  });

  describe('a batch whose previous attempt crashed mid-call (its ledger record is still "sending")', () => {
    const crashFirstBatch = async (notificationId: string) => {
      const ledger = dynamoBatchLedger({
        doc: h.dynamo.doc,
        tableName: h.tables.idempotencyTable,
        clock: { now: () => Date.now() - 10 * 60_000 },
        retentionSeconds: 3600,
      });
      // Claimed ten minutes ago with a two-minute lease, never settled.
      await ledger.claim(`notify.batch#${notificationId}#0`, Date.now() - 8 * 60_000);
    };

    it('at-most-once: reported without resending', async () => {
      await start();
      await crashFirstBatch('crash-1');
      await h.post({ notificationId: 'crash-1', audience: { addresses }, message });
      await h.drain();
      expect(await receipts(h)).toEqual({ c: 1, d: 1, e: 1, f: 1 });
      expect(h.deadLetters.fanout).toMatchObject([{ reason: 'outcome-unknown', batch: '0' }]);
    });

    it('at-least-once: sent again', async () => {
      await start();
      await crashFirstBatch('crash-2');
      await h.post({
        notificationId: 'crash-2',
        audience: { addresses },
        message,
        delivery: 'at-least-once',
      });
      await h.drain();
      expect(await receipts(h)).toEqual(once);
      expect(h.metrics.worker.get('BatchesResentAfterUnknownOutcome')).toBe(1);
    });
  });
});
