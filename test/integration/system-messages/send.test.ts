import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type NotifyHarness, startNotifyHarness } from '../../../local/harness/system-messages/harness';
import { tableSpec } from '../../../shared/storage/tables';
import { SENDER_MARKER_SECONDS } from '../../../shared/system-messages/sender-registry';

const text = { text: 'Maintenance tonight at 22:00 UTC' };

describe('send-system-message: sending now', () => {
  let h: NotifyHarness;
  beforeEach(async () => {
    h = await startNotifyHarness({ env: { FANOUT_BATCH_SIZE: '3', USERS_SCAN_PAGE_SIZE: '7' } });
  });
  afterEach(() => h.close());

  const sentMessages = async () => (await h.control.state()).messages;

  it('sends to addresses in batches of comma-separated recipients, from the system sender', async () => {
    const answer = await h.post({
      notificationId: 'maint-1',
      audience: { addresses: ['u1', 'u2', 'u3', 'u4', 'u2'] },
      message: { ...text, title: 'Maintenance', type: 2, expirySeconds: 3600 },
    });
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ notificationId: 'maint-1', recipients: { addresses: 4 }, batches: 2 });
    await h.drain();
    const messages = await sentMessages();
    expect(messages.map((m) => m.to)).toEqual([['u1', 'u2', 'u3'], ['u4']]);
    expect(messages[0]).toMatchObject({
      from: 'system',
      message: text.text,
      title: 'Maintenance',
      type: 2,
      expiry: 3600,
    });
    // The sender was created once, without a token.
    const useradds = await h.control.requests({ op: 'useradd' });
    expect(useradds).toHaveLength(1);
    expect(useradds[0]?.params).toMatchObject({ user: { address: 'system' } });
    expect(JSON.stringify(useradds[0]?.params)).not.toContain('appid');
  });

  it('creates the system sender once, not per notification', async () => {
    await h.post({ audience: { addresses: ['a'] }, message: text });
    await h.post({ audience: { addresses: ['b'] }, message: text });
    await h.drain();
    expect(await h.control.requests({ op: 'useradd' })).toHaveLength(1);
    expect(await sentMessages()).toHaveLength(2);
  });

  it('sends to a synced group with one mesibo call, by key or by gid', async () => {
    const gid = await h.seedGroup('team-blue', ['m1', 'm2', 'm3', 'm4', 'm5']);
    const byKey = await h.post({ audience: { group: { key: 'team-blue' } }, message: text });
    const byGid = await h.post({ audience: { group: { gid } }, message: text });
    expect(byKey.body).toMatchObject({ recipients: { gid }, batches: 1 });
    expect(byGid.status).toBe(202);
    await h.drain();
    const messages = await sentMessages();
    expect(messages.map((m) => ({ gid: m.gid, to: m.to }))).toEqual([
      { gid, to: [] },
      { gid, to: [] },
    ]);
  });

  it('sends to every cached user once, reading the users table page by page', async () => {
    const users = Array.from({ length: 40 }, (_, i) => `user-${String(i).padStart(2, '0')}`);
    // Two appids per user and a lease item each: 120 items, 18 pages of 7, so a user's two appid
    // items often straddle two pages (two expansion steps).
    await h.seedUsers(users, ['com.example.app', 'com.example.web']);
    const answer = await h.post({ notificationId: 'all-users', audience: { allUsers: true }, message: text });
    expect(answer.body).toEqual({ notificationId: 'all-users', recipients: { allUsers: true } });
    await h.drain();
    const messages = await sentMessages();
    // Batches are cut per page (at most 3 recipients each, fewer at a page's end).
    expect((await h.status('all-users')).body).toMatchObject({
      state: 'done',
      recipients: { total: 40, sent: 40 },
      batches: { total: messages.length },
    });
    expect(messages.every((m) => m.to.length <= 3)).toBe(true);
    const recipients = messages.flatMap((m) => m.to);
    expect(recipients).toHaveLength(40);
    expect(new Set(recipients)).toEqual(new Set(users));
  });

  it('treats the same notificationId twice as one notification', async () => {
    const body = { notificationId: 'once-1', audience: { addresses: ['a', 'b', 'c', 'd'] }, message: text };
    const first = await h.post(body);
    await h.drain();
    const second = await h.post(body);
    await h.drain();
    expect(second).toEqual(first);
    expect((await sentMessages()).flatMap((m) => m.to)).toEqual(['a', 'b', 'c', 'd']);

    const conflict = await h.post({ ...body, message: { text: 'something else' } });
    expect(conflict.status).toBe(409);
    expect(conflict.headers['content-type']).toBe('application/problem+json');
    expect(conflict.body).toMatchObject({
      code: 'notification-id-conflict',
      errors: [{ field: 'notificationId' }],
    });
  });

  it('does not send a batch again when SQS redelivers it', async () => {
    await h.post({ audience: { addresses: ['a', 'b', 'c', 'd'] }, message: text });
    const delivered = [...h.queued];
    await h.drain();
    const response = await h.redeliver(delivered);
    expect(response.batchItemFailures).toEqual([]);
    expect((await sentMessages()).flatMap((m) => m.to)).toEqual(['a', 'b', 'c', 'd']);
    expect(await h.control.requests({ op: 'message' })).toHaveLength(2);
    expect(h.metrics.worker.get('BatchesDuplicateSuppressed')).toBe(2);
  });

  it('counts and reports recipients mesibo refuses, delivers to the others, and does not retry them', async () => {
    // mesibo may refuse a recipient for reasons of its own: any message naming it gets BADVALUE message.to.
    await h.control.addFault({
      kind: 'api-error',
      error: 'BADVALUE',
      properties: ['message.to'],
      ops: ['message'],
      match: 'refused-addr',
    });
    await h.post({ audience: { addresses: ['ok-1', 'refused-addr', 'ok-2'] }, message: text });
    await h.drain();
    expect((await sentMessages()).flatMap((m) => m.to).sort()).toEqual(['ok-1', 'ok-2']);
    expect(h.metrics.worker.get('RecipientsRejected')).toBe(1);
    expect(h.metrics.worker.get('BatchesRetried')).toBe(0);
    expect(h.deadLetters.fanout).toEqual([]);
  });
});

describe('send-system-message: the system sender', () => {
  /** One notice to u1, sent and delivered. */
  const sendTo = async (h: NotifyHarness, notificationId: string) => {
    expect((await h.post({ notificationId, audience: { addresses: ['u1'] }, message: text })).status).toBe(
      202,
    );
    await h.drain();
  };

  it('trusts a marker another container wrote only until it expires', async () => {
    let offsetMs = 0;
    const h = await startNotifyHarness({ clock: { now: () => Date.now() + offsetMs } });
    try {
      await h.mesibo.useradd({ address: 'system' });
      const until = Math.floor(Date.now() / 1000) + 60;
      await h.dynamo.doc.send(
        new PutCommand({
          TableName: h.tables.idempotencyTable,
          Item: { id: 'notify.sender#system', [tableSpec('idempotencyTable').ttlAttribute]: until },
        }),
      );
      await sendTo(h, 'n-1');
      expect(await h.control.requests({ op: 'useradd' })).toHaveLength(1);
      offsetMs = 61_000;
      await sendTo(h, 'n-2');
      expect(await h.control.requests({ op: 'useradd' })).toHaveLength(2);
      await sendTo(h, 'n-3');
      expect(await h.control.requests({ op: 'useradd' })).toHaveLength(2);
    } finally {
      await h.close();
    }
  });

  it('is checked again after a day in a warm container, so a sender deleted at mesibo is recreated', async () => {
    let offsetMs = 0;
    const h = await startNotifyHarness({ clock: { now: () => Date.now() + offsetMs } });
    try {
      await sendTo(h, 'day-1');
      await h.mesibo.userdel({ address: 'system' });
      offsetMs = SENDER_MARKER_SECONDS * 1000 + 1000;
      await sendTo(h, 'day-2');
      expect(await h.control.requests({ op: 'useradd' })).toHaveLength(2);
      const { users, messages } = await h.control.state();
      expect(users.map((u) => u.address)).toContain('system');
      expect(messages.map((m) => m.from)).toEqual(['system', 'system']);
    } finally {
      await h.close();
    }
  });
});
