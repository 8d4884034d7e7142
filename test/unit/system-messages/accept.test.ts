import { describe, expect, it } from 'vitest';
import { CountingMetrics } from '../../../local/harness/counting-metrics';
import { Conflict } from '../../../shared/errors';
import { toProblem } from '../../../shared/http/problems';
import { type AcceptDeps, acceptNotification } from '../../../shared/system-messages/accept';
import type { FanoutBatch } from '../../../shared/system-messages/fanout-message';
import type { Notification } from '../../../shared/system-messages/schema';
import { CapturingQueue, CapturingScheduler, ManualClock, MemoryGate, RecordingStatus } from './fakes';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:send-system-message';

const setup = (
  options: { groups?: Record<string, number>; batchSize?: number; allowHttp?: boolean } = {},
) => {
  const queue = new CapturingQueue();
  const scheduler = new CapturingScheduler();
  const status = new RecordingStatus();
  let ids = 0;
  const deps: AcceptDeps = {
    clock: new ManualClock(),
    newId: () => `gen-${++ids}`,
    gate: new MemoryGate(),
    schedulerFor: (arn) => scheduler.for(arn),
    queue,
    findGid: async (key) => options.groups?.[key],
    status,
    metrics: new CountingMetrics(),
    systemSender: 'system',
    senders: ['system', 'ops'],
    allowHttpUrls: options.allowHttp ?? false,
    batchSize: options.batchSize ?? 2,
    usersPageSize: 500,
    retentionSeconds: 30 * 86_400,
  };
  return { deps, queue, scheduler, status };
};

const note = (over: Partial<Notification> = {}): Notification => ({
  audience: { addresses: ['a', 'b', 'c'] },
  message: { text: 'hello' },
  ...over,
});

const invoke = { functionArn: FUNCTION_ARN };

describe('acceptNotification', () => {
  it('cuts addresses into numbered batches, without duplicates, from the system sender', async () => {
    const { deps, queue, status } = setup();
    const accepted = await acceptNotification(
      deps,
      note({ audience: { addresses: ['a', 'b', 'a', 'c'] } }),
      invoke,
    );
    expect(accepted).toEqual({ notificationId: 'gen-1', recipients: { addresses: 3 }, batches: 2 });
    expect(queue.bodies<FanoutBatch>()).toEqual([
      {
        v: 1,
        notificationId: 'gen-1',
        batch: 0,
        from: 'system',
        delivery: 'at-most-once',
        message: { text: 'hello' },
        to: ['a', 'b'],
      },
      {
        v: 1,
        notificationId: 'gen-1',
        batch: 1,
        from: 'system',
        delivery: 'at-most-once',
        message: { text: 'hello' },
        to: ['c'],
      },
    ]);
    expect(status.named('begin')).toEqual([
      ['gen-1', { audience: 'addresses', phase: 'sending', total: 3, batches: 2 }],
    ]);
  });

  it('sends from another configured system sender the caller names', async () => {
    const { deps, queue } = setup();
    await acceptNotification(deps, note({ from: 'ops', delivery: 'at-least-once' }), invoke);
    expect(queue.bodies<FanoutBatch>()[0]).toMatchObject({ from: 'ops', delivery: 'at-least-once' });
  });

  it.each([
    ['an unknown sender', { from: 'alice' }, 'from'],
    ['a javascript: URL', { message: { text: 'x', url: 'javascript:alert(1)' } }, 'message.url'],
    ['a data: URL', { message: { text: 'x', url: 'data:text/html,hi' } }, 'message.url'],
    [
      'an http: URL unless allowed',
      { message: { text: 'x', url: 'http://status.example.com' } },
      'message.url',
    ],
  ])('refuses %s (400 naming the field), recording and enqueueing nothing', async (_, over, field) => {
    const { deps, queue, status } = setup();
    const n = note({ notificationId: 'refused-1', ...over });
    const error = await acceptNotification(deps, n, invoke).catch((e: unknown) => e);
    expect(toProblem(error)!).toMatchObject({ status: 400, errors: [{ field }] });
    expect(queue.published).toEqual([]);
    expect(status.calls).toEqual([]);
    // Nothing recorded under the id: the corrected notification is accepted under it.
    await expect(
      acceptNotification(deps, note({ notificationId: 'refused-1' }), invoke),
    ).resolves.toMatchObject({ notificationId: 'refused-1' });
  });

  it('accepts an http: URL when MESSAGE_URL_ALLOW_HTTP is on', async () => {
    const { deps, queue } = setup({ allowHttp: true });
    await acceptNotification(
      deps,
      note({ message: { text: 'x', url: 'http://status.example.com' } }),
      invoke,
    );
    expect(queue.published).toHaveLength(2);
  });

  it('sends a group as one batch, resolving a group key to its gid', async () => {
    const { deps, queue } = setup({ groups: { team: 50001 } });
    const accepted = await acceptNotification(deps, note({ audience: { group: { key: 'team' } } }), invoke);
    expect(accepted).toMatchObject({ recipients: { gid: 50001 }, batches: 1 });
    expect(queue.bodies<FanoutBatch>()).toMatchObject([{ batch: 0, gid: 50001 }]);
  });

  it('answers 404 for an unknown group key and enqueues nothing', async () => {
    const { deps, queue } = setup();
    const error = await acceptNotification(
      deps,
      note({ audience: { group: { key: 'nope' } } }),
      invoke,
    ).catch((e: unknown) => e);
    expect(toProblem(error)).toBeDefined();
    expect(toProblem(error)!).toMatchObject({
      status: 404,
      errors: [{ field: 'audience.group.key' }],
    });
    expect(queue.published).toEqual([]);
  });

  it('publishes at most 10 batches per call', async () => {
    const addresses = Array.from({ length: 35 }, (_, i) => `u${i}`);
    const { deps, queue } = setup({ batchSize: 3 });
    const accepted = await acceptNotification(deps, note({ audience: { addresses } }), invoke);
    expect(accepted).toMatchObject({ recipients: { addresses: 35 }, batches: 12 });
    expect(queue.calls).toEqual([10, 2]);
    expect(queue.bodies<FanoutBatch>().flatMap((b) => b.to)).toEqual(addresses);
  });

  it('enqueues one expansion task for all users, reading no user', async () => {
    const { deps, queue, status } = setup({ batchSize: 3 });
    const accepted = await acceptNotification(
      deps,
      note({ notificationId: 'all-1', audience: { allUsers: true } }),
      invoke,
    );
    expect(accepted).toEqual({ notificationId: 'all-1', recipients: { allUsers: true } });
    expect(queue.bodies()).toEqual([
      {
        v: 1,
        kind: 'expand',
        notificationId: 'all-1',
        step: 0,
        firstBatch: 0,
        recipientsBefore: 0,
        pageSize: 500,
        batchSize: 3,
        from: 'system',
        delivery: 'at-most-once',
        message: { text: 'hello' },
      },
    ]);
    expect(status.named('begin')).toEqual([['all-1', { audience: 'allUsers', phase: 'accepted' }]]);
  });

  it('is one notification per notificationId: a repeat returns the first answer', async () => {
    const { deps, queue } = setup();
    const first = await acceptNotification(deps, note({ notificationId: 'n-1' }), invoke);
    const second = await acceptNotification(deps, note({ notificationId: 'n-1' }), invoke);
    expect(second).toEqual(first);
    expect(queue.published).toHaveLength(2);
    await expect(
      acceptNotification(deps, note({ notificationId: 'n-1', message: { text: 'other' } }), invoke),
    ).rejects.toBeInstanceOf(Conflict);
  });

  describe('with sendAt', () => {
    it('creates a one-time schedule that invokes this function with the notification, and sends nothing now', async () => {
      const { deps, queue, scheduler, status } = setup();
      const accepted = await acceptNotification(
        deps,
        note({ notificationId: 'later-1', sendAt: '2030-01-01T02:00:00+01:00' }),
        invoke,
      );
      expect(accepted).toEqual({ notificationId: 'later-1', scheduledFor: '2030-01-01T01:00:00.000Z' });
      expect(scheduler.created).toEqual([
        {
          name: 'once.later-1',
          at: new Date('2030-01-01T01:00:00Z'),
          targetArn: FUNCTION_ARN,
          payload: {
            source: 'mesibo-serverless.schedule',
            schedule: 'once.later-1',
            notification: {
              notificationId: 'later-1',
              audience: { addresses: ['a', 'b', 'c'] },
              message: { text: 'hello' },
            },
          },
        },
      ]);
      expect(queue.published).toEqual([]);
      expect(status.named('begin')).toEqual([
        ['later-1', { audience: 'addresses', phase: 'scheduled', scheduledFor: '2030-01-01T01:00:00.000Z' }],
      ]);
    });

    it('refuses an unknown sender before scheduling', async () => {
      const { deps, scheduler } = setup();
      const n = note({ from: 'mallory', sendAt: '2030-01-02T00:00:00Z' });
      const error = await acceptNotification(deps, n, invoke).catch((e: unknown) => e);
      expect(toProblem(error)!).toMatchObject({ status: 400, errors: [{ field: 'from' }] });
      expect(scheduler.created).toEqual([]);
    });

    it('schedules once when the same notification is submitted twice', async () => {
      const { deps, scheduler } = setup();
      const n = note({ notificationId: 'later-2', sendAt: '2030-01-02T00:00:00Z' });
      await acceptNotification(deps, n, invoke);
      await acceptNotification(deps, n, invoke);
      expect(scheduler.created).toHaveLength(1);
    });

    it.each([
      ['now', '2030-01-01T00:00:00Z'],
      ['in the past', '2029-12-31T23:59:59Z'],
      // Ids are remembered for 30 days: a later sendAt could outlive the record that stops a repeat.
      ['past the retention', '2030-01-31T00:00:01Z'],
    ])('refuses a sendAt %s (400 naming sendAt)', async (_, sendAt) => {
      const { deps, scheduler } = setup();
      const error = await acceptNotification(deps, note({ sendAt }), invoke).catch((e: unknown) => e);
      expect(toProblem(error)!).toMatchObject({ status: 400, errors: [{ field: 'sendAt' }] });
      expect(scheduler.created).toEqual([]);
    });

    it('accepts a sendAt at the end of the retention', async () => {
      const { deps, scheduler } = setup();
      await acceptNotification(deps, note({ sendAt: '2030-01-31T00:00:00Z' }), invoke);
      expect(scheduler.created).toHaveLength(1);
    });

    it('refuses an unknown group key before scheduling', async () => {
      const { deps, scheduler } = setup();
      const error = await acceptNotification(
        deps,
        note({ audience: { group: { key: 'gone' } }, sendAt: '2030-01-15T00:00:00Z' }),
        invoke,
      ).catch((e: unknown) => e);
      expect(toProblem(error)!.status).toBe(404);
      expect(scheduler.created).toEqual([]);
    });

    it('refuses a notification too large for a schedule (413 naming the addresses)', async () => {
      const { deps, scheduler } = setup();
      const addresses = Array.from({ length: 10_000 }, (_, i) => `user-${i}-${'x'.repeat(20)}@example.com`);
      const error = await acceptNotification(
        deps,
        note({ audience: { addresses }, sendAt: '2030-01-15T00:00:00Z' }),
        invoke,
      ).catch((e: unknown) => e);
      expect(toProblem(error)!).toMatchObject({
        status: 413,
        errors: [{ field: 'audience.addresses' }],
      });
      expect(scheduler.created).toEqual([]);
    });
  });
});
