/** The webhook route end to end: signature, validation, replay and ordering, applied by the worker. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type GroupSyncHarness,
  PREVIOUS_WEBHOOK_SECRET,
  startGroupSyncHarness,
  WEBHOOK_SECRET,
} from '../../../local/harness/group-sync/harness';
import { signPayload } from '../../../shared/webhook/signature';

let h: GroupSyncHarness;
beforeAll(async () => {
  h = await startGroupSyncHarness({ maxMembers: 50 });
});
afterAll(() => h?.close());

const upsert = (id: string, key: string, version: number, addresses: string[], name?: string) => ({
  id,
  type: 'group.upsert',
  group: { key, version, members: addresses.map((address) => ({ address })), ...(name ? { name } : {}) },
});

describe('signature', () => {
  const body = upsert('sig-1', 'sig-team', 1, ['alice']);
  const now = () => Math.floor(h.clock.now() / 1000);

  it('refuses tampered, unsigned, wrongly signed and stale or future requests with 401, enqueueing nothing', async () => {
    const sent = h.queue.sent;
    const refusals = await Promise.all([
      h.post({ body, secret: null }),
      h.post({ body, secret: 'whsec_not_ours_at_all_0001' }),
      h.post({ body, t: now() - 301 }),
      h.post({ body, t: now() + 301 }),
      // Signed over the original body, sent with another.
      h.post({
        body: JSON.stringify(body).replace('alice', 'mallory'),
        headers: { 'x-mesibo-signature': signPayload(WEBHOOK_SECRET, JSON.stringify(body), now()) },
        secret: null,
      }),
    ]);
    expect(refusals.map((r) => [r.status, r.body.code])).toEqual([
      [401, 'signature-missing'],
      [401, 'signature-invalid'],
      [401, 'signature-expired'],
      [401, 'signature-expired'],
      [401, 'signature-invalid'],
    ]);
    for (const r of refusals) expect(r.body.type).toMatch(/^https:\/\/.+\/signature-/);
    expect(h.queue.sent).toBe(sent);
  });

  it('accepts the current and the previous (rotated) secret', async () => {
    expect(await h.post({ body })).toEqual({ status: 202, body: { deliveryId: 'sig-1', status: 'queued' } });
    const rotated = await h.post({
      body: upsert('sig-2', 'sig-team', 2, ['alice', 'bob']),
      secret: PREVIOUS_WEBHOOK_SECRET,
    });
    expect(rotated.status).toBe(202);
    await h.drain();
    const meta = await h.state.getMeta('sig-team');
    expect([...(await h.membersAtMesibo(meta!.gid!)).keys()].sort()).toEqual(['alice', 'bob']);
  });
});

describe('payload validation', () => {
  it('answers 400 problem+json naming the problem, and 413 over 1 MiB; nothing is enqueued', async () => {
    const sent = h.queue.sent;
    const cases: [unknown, string][] = [
      [{ id: 'v1', type: 'group.archive', group: { key: 'k', version: 1 } }, 'type'],
      [{ id: 'v2', type: 'group.upsert', group: { version: 1, members: [] } }, 'group.key'],
      [upsert('v3', 'k', 1, ['a', 'b', 'a']), 'group.members.2.address'],
      [
        upsert(
          'v4',
          'k',
          1,
          Array.from({ length: 51 }, (_, i) => `m${i}`),
        ),
        'group.members',
      ],
    ];
    for (const [body, field] of cases) {
      const response = await h.post({ body });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        code: 'invalid-request',
        errors: [expect.objectContaining({ field })],
      });
    }
    const huge = await h.post({ body: JSON.stringify({ pad: 'x'.repeat(1024 * 1024) }) });
    expect(huge).toMatchObject({ status: 413, body: { code: 'payload-too-large' } });
    expect(h.queue.sent).toBe(sent);
  });
});

describe('replay and ordering', () => {
  it('acknowledges a repeated delivery again and applies it once', async () => {
    const body = upsert('rep-1', 'rep-team', 1, ['a', 'b', 'c']);
    expect((await h.post({ body })).body).toEqual({ deliveryId: 'rep-1', status: 'queued' });
    expect((await h.post({ body })).body).toEqual({ deliveryId: 'rep-1', status: 'queued', duplicate: true });
    const adds = (await h.control.requests({ op: 'groupadd' })).length;
    const edits = (await h.control.requests({ op: 'groupeditmembers' })).length;
    await h.drain();
    expect((await h.control.requests({ op: 'groupadd' })).length - adds).toBe(1);
    expect((await h.control.requests({ op: 'groupeditmembers' })).length - edits).toBe(1);

    const sent = h.queue.sent;
    expect((await h.post({ body })).body).toEqual({
      deliveryId: 'rep-1',
      status: 'applied',
      duplicate: true,
    });
    expect(h.queue.sent).toBe(sent);
    // A replay under another (unsigned) delivery id is refused, and takes no id from the sender.
    const replayed = await h.post({ body, headers: { 'x-delivery-id': 'rep-2' } });
    expect(replayed.status).toBe(400);
    expect(replayed.body).toMatchObject({ errors: [{ field: 'X-Delivery-Id' }] });
    expect(await h.state.getDelivery('rep-2')).toBeUndefined();
    const genuine = await h.post({ body: { ...body, id: 'rep-2', group: { ...body.group, version: 2 } } });
    expect(genuine.body).toEqual({ deliveryId: 'rep-2', status: 'queued' });
  });

  it('ignores an older version delivered after a newer one, and says so', async () => {
    await h.post({ body: upsert('ord-2', 'ord-team', 2, ['new'], 'Newer') });
    await h.post({ body: upsert('ord-1', 'ord-team', 1, ['old'], 'Older') });
    await h.drain();
    expect(await h.state.getDelivery('ord-1')).toMatchObject({ status: 'stale' });
    expect(await h.state.getDelivery('ord-2')).toMatchObject({ status: 'applied' });
    const meta = await h.state.getMeta('ord-team');
    expect([...(await h.membersAtMesibo(meta!.gid!)).keys()]).toEqual(['new']);
    expect((await h.control.state()).groups.find((g) => g.gid === meta!.gid)?.name).toBe('Newer');

    expect((await h.post({ body: upsert('ord-0', 'ord-team', 0, ['older']) })).body).toEqual({
      deliveryId: 'ord-0',
      status: 'stale',
    });
  });
});
