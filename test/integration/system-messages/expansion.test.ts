import { afterEach, describe, expect, it } from 'vitest';
import { type NotifyHarness, startNotifyHarness } from '../../../local/harness/system-messages/harness';
import { dynamoBatchLedger } from '../../../shared/system-messages/dynamo-batch-ledger';
import { expansionLedgerKey } from '../../../shared/system-messages/expand';

const message = { text: 'Scheduled maintenance tonight' };
const USERS = 1_000;
const users = Array.from({ length: USERS }, (_, i) => `user-${String(i).padStart(5, '0')}`);

/** How often each recipient got a message at mesibo. */
const receipts = async (h: NotifyHarness) => {
  const counts = new Map<string, number>();
  for (const m of (await h.control.state()).messages) {
    for (const to of m.to) counts.set(to, (counts.get(to) ?? 0) + 1);
  }
  return counts;
};

const expectEveryUserOnce = async (h: NotifyHarness) => {
  const counts = await receipts(h);
  expect(counts.size).toBe(USERS);
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
  expect(new Set(counts.keys())).toEqual(new Set(users));
};

const isStep = (body: Record<string, unknown>) => body.kind === 'expand';

describe('send-system-message: all users, expanded by the worker page by page', () => {
  let h: NotifyHarness;
  afterEach(() => h.close());

  const start = async () => {
    // 200 items per page: a user is an appid item and a lease item, so 100 users (2 batches) a step,
    // ten steps in all.
    h = await startNotifyHarness({ env: { FANOUT_BATCH_SIZE: '50', USERS_SCAN_PAGE_SIZE: '200' } });
    await h.seedUsers(users);
  };

  it('accepts with one enqueued task and no read of the users table, then sends every user once', async () => {
    await start();
    const answer = await h.post({ notificationId: 'all-1', audience: { allUsers: true }, message });
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ notificationId: 'all-1', recipients: { allUsers: true } });
    expect(h.queued).toHaveLength(1);
    expect(JSON.parse(h.queued[0]?.body ?? '{}')).toMatchObject({ kind: 'expand', step: 0, firstBatch: 0 });
    expect((await h.status('all-1')).body).toMatchObject({ state: 'accepted', audience: 'allUsers' });

    await h.drain({ concurrency: 4 });
    await expectEveryUserOnce(h);
    expect(await h.control.requests({ op: 'message' })).toHaveLength(USERS / 50);
    const status = await h.status('all-1');
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({
      notificationId: 'all-1',
      state: 'done',
      audience: 'allUsers',
      recipients: { total: USERS, sent: USERS, pending: 0, unknown: 0, failed: 0 },
      batches: { total: USERS / 50, done: USERS / 50 },
      failures: [],
    });
  });

  it('sends every user once when an expansion step crashes after enqueueing, and when a step runs twice', async () => {
    await start();
    await h.post({ notificationId: 'all-2', audience: { allUsers: true }, message });
    // Every step crashes once right after enqueueing its next step, before it is acknowledged.
    const crashed = new Set<number>();
    h.crashAfterPublish = (body) => {
      if (!isStep(body) || crashed.has(Number(body.step))) return false;
      crashed.add(Number(body.step));
      return true;
    };
    // And every step message is delivered twice, as SQS may.
    const original = h.queued.splice(0);
    h.queued.push(...original, ...original.map((m) => ({ ...m, messageId: `${m.messageId}-dup` })));
    await h.drain({ concurrency: 1 });
    expect(crashed.size).toBeGreaterThan(5);
    await expectEveryUserOnce(h);
    expect(h.metrics.worker.get('BatchesDuplicateSuppressed')).toBeGreaterThan(0);
    expect((await h.status('all-2')).body).toMatchObject({
      state: 'done',
      recipients: { total: USERS, sent: USERS, pending: 0 },
    });
  });

  it('takes over a step whose worker was killed midway once its lease ran out, sending every user once', async () => {
    await start();
    await h.post({ notificationId: 'all-3', audience: { allUsers: true }, message });
    // Step 0's first delivery was killed before it enqueued anything: only its claim is left.
    const ledger = dynamoBatchLedger({
      doc: h.dynamo.doc,
      tableName: h.tables.idempotencyTable,
      clock: { now: () => Date.now() - 10 * 60_000 },
      retentionSeconds: 3600,
    });
    await ledger.claim(expansionLedgerKey('all-3', 0), Date.now() - 8 * 60_000);
    await h.drain({ concurrency: 2 });
    await expectEveryUserOnce(h);
    expect(h.deadLetters.fanout).toEqual([]);
    expect((await h.status('all-3')).body).toMatchObject({ state: 'done', recipients: { sent: USERS } });
  });

  it('sends a scheduled all-users notification the same way when its schedule fires', async () => {
    await start();
    const sendAt = new Date(Date.now() + 3_600_000).toISOString();
    const answer = await h.post({
      notificationId: 'later-all',
      audience: { allUsers: true },
      message,
      sendAt,
    });
    expect(answer.status).toBe(202);
    expect((await h.status('later-all')).body).toMatchObject({ state: 'scheduled', audience: 'allUsers' });
    await h.invokeAsScheduler(h.schedules[0]?.payload);
    expect(h.queued).toHaveLength(1);
    await h.drain({ concurrency: 4 });
    await expectEveryUserOnce(h);
    expect((await h.status('later-all')).body).toMatchObject({ state: 'done', recipients: { sent: USERS } });
  });
});

describe('GET /v1/system-messages/{notificationId}', () => {
  let h: NotifyHarness;
  afterEach(() => h.close());

  it('counts what mesibo received, what it refused, what may have been sent, and a dead-lettered batch; a redrive moves it to sent', async () => {
    h = await startNotifyHarness({ env: { FANOUT_BATCH_SIZE: '2', FANOUT_MAX_ATTEMPTS: '3' } });
    await h.control.addFault({ kind: 'status', status: 429, ops: ['message'], match: 'stuck-1' });
    await h.control.addFault({
      kind: 'api-error',
      error: 'BADVALUE',
      properties: ['message.to'],
      ops: ['message'],
      match: 'refused-1',
    });
    await h.control.addFault({ kind: 'status-after-apply', status: 500, ops: ['message'], match: 'maybe-1' });
    const addresses = ['a', 'b', 'stuck-1', 'd', 'refused-1', 'f', 'maybe-1', 'h'];
    const answer = await h.post({ notificationId: 'mixed-1', audience: { addresses }, message });
    expect(answer.body).toMatchObject({ batches: 4 });
    expect((await h.status('mixed-1')).body).toMatchObject({
      state: 'sending',
      recipients: { total: 8, sent: 0, pending: 8 },
    });
    await h.drain();

    const received = [...(await receipts(h)).keys()].sort();
    // maybe-1's batch reached mesibo before its 500: the status cannot tell, so it says unknown.
    expect(received).toEqual(['a', 'b', 'f', 'h', 'maybe-1']);
    expect(h.deadLetters.fanout.map((r) => r.reason).sort()).toEqual([
      'attempts-exhausted',
      'outcome-unknown',
    ]);
    const status = await h.status('mixed-1');
    expect(status.body).toMatchObject({
      notificationId: 'mixed-1',
      state: 'done-with-failures',
      audience: 'addresses',
      recipients: { total: 8, sent: 3, pending: 0, unknown: 2, failed: 3 },
      batches: { total: 4, done: 4 },
    });
    expect(status.body.failures).toEqual([
      { reason: 'rejected', count: 1 },
      { reason: 'outcome-unknown', count: 2 },
      { reason: 'dead-lettered', count: 2 },
    ]);
    expect(Date.parse(String(status.body.updatedAt))).toBeGreaterThanOrEqual(
      Date.parse(String(status.body.createdAt)),
    );

    // The fault clears and the dead-lettered batch is redriven: its recipients move to sent, once.
    await h.control.clearFaults();
    const stuck = h.deadLetters.fanout.find((r) => r.reason === 'attempts-exhausted');
    h.queued.push({ messageId: 'redriven', body: JSON.stringify(stuck?.original), receiveCount: 0 });
    await h.drain();
    await h.redeliver([{ messageId: 'again', body: JSON.stringify(stuck?.original), receiveCount: 0 }]);
    expect((await receipts(h)).get('stuck-1')).toBe(1);
    const after = await h.status('mixed-1');
    expect(after.body).toMatchObject({
      recipients: { total: 8, sent: 5, pending: 0, unknown: 2, failed: 1 },
    });
    expect(after.body.failures).toEqual([
      { reason: 'rejected', count: 1 },
      { reason: 'outcome-unknown', count: 2 },
    ]);
  });

  it('counts a group as one recipient', async () => {
    h = await startNotifyHarness();
    const gid = await h.seedGroup('team', ['m1', 'm2']);
    await h.post({ notificationId: 'grp-1', audience: { group: { gid } }, message });
    await h.drain();
    expect((await h.status('grp-1')).body).toMatchObject({
      state: 'done',
      audience: 'group',
      recipients: { total: 1, sent: 1, pending: 0 },
    });
  });

  it('answers 404 problem+json for an unknown id', async () => {
    h = await startNotifyHarness();
    const answer = await h.status('never-sent');
    expect(answer.status).toBe(404);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(answer.body).toMatchObject({
      code: 'notification-not-found',
      errors: [{ field: 'notificationId' }],
    });
  });
});
