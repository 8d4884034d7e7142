/**
 * The worker against the emulator over HTTP and dynalite: the group lifecycle, and recovery from mesibo
 * faults and crashes between chunks, each ending in exactly the desired member set at mesibo.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type GroupSyncHarness, startGroupSyncHarness } from '../../../local/harness/group-sync/harness';
import { seededRandom } from '../../../sim/lib/random';

let h: GroupSyncHarness;
let crashOn: ((command: string) => void) | undefined;
beforeAll(async () => {
  h = await startGroupSyncHarness({
    chunkSize: 10,
    // One edit at a time, so a fault's skip/count lands on a known call.
    editsInFlight: 1,
    mesiboTimeoutMs: 1000,
    beforeWorkerWrite: (command) => crashOn?.(command),
  });
});
afterAll(() => h?.close());
beforeEach(async () => {
  crashOn = undefined;
  await h.control.clearFaults();
});

const range = (from: number, to: number, prefix = 'u') =>
  Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);
let ids = 0;
const send = async (type: string, group: Record<string, unknown>) => {
  const response = await h.post({ body: { id: `del-${++ids}`, type, group } });
  expect(response.status).toBe(202);
  return response.body.deliveryId as string;
};
const upsert = (key: string, version: number, addresses: string[], extra: Record<string, unknown> = {}) =>
  send('group.upsert', { key, version, members: addresses.map((address) => ({ address })), ...extra });
const count = async (op: string) => (await h.control.requests({ op })).length;
const gidOf = async (key: string) => (await h.state.getMeta(key))?.gid as number;
const membersAt = async (key: string) => [...(await h.membersAtMesibo(await gidOf(key))).keys()].sort();
const recorded = async (key: string) =>
  [...(await h.state.loadMembers(key))]
    .filter(([, r]) => r.present)
    .map(([a]) => a)
    .sort();

describe('group lifecycle', () => {
  it('upsert from empty, growth, shrink, rename and delete, each costing only the change', async () => {
    const key = 'life';
    const edits0 = await count('groupeditmembers');
    await upsert(key, 1, range(0, 25), { name: 'Life' });
    await h.drain();
    expect(await membersAt(key)).toEqual(range(0, 25).sort());
    expect(await count('groupeditmembers')).toBe(edits0 + 3);

    await upsert(key, 2, range(0, 30), { name: 'Life' });
    await h.drain();
    expect(await count('groupeditmembers')).toBe(edits0 + 4);

    await upsert(key, 3, range(10, 30), { name: 'Life' });
    await h.drain();
    expect(await membersAt(key)).toEqual(range(10, 30).sort());
    expect(await count('groupeditmembers')).toBe(edits0 + 5);

    const sets = await count('groupset');
    await upsert(key, 4, range(10, 30), { name: 'Life, renamed' });
    await h.drain();
    expect(await count('groupset')).toBe(sets + 1);
    expect(await count('groupeditmembers')).toBe(edits0 + 5);
    const gid = await gidOf(key);
    expect((await h.control.state()).groups.find((g) => g.gid === gid)?.name).toBe('Life, renamed');

    await send('group.members.add', {
      key,
      version: 5,
      members: [{ address: 'ro', permissions: { send: false } }],
    });
    await send('group.members.remove', { key, version: 6, members: [{ address: 'u10' }] });
    await h.drain();
    const members = await h.membersAtMesibo(gid);
    expect(members.get('ro')).toEqual({ send: false, recv: true, pub: true, sub: true, list: true });
    expect(members.has('u10')).toBe(false);
    expect(await recorded(key)).toEqual([...members.keys()].sort());

    await send('group.delete', { key, version: 7 });
    await h.drain();
    expect((await h.control.state()).groups.some((g) => g.gid === gid)).toBe(false);
    expect(await recorded(key)).toEqual([]);
    const tombstone = await h.state.getMeta(key);
    expect(tombstone).toMatchObject({ deleted: true, memberCount: 0, lastDeliveryId: `del-${ids}` });
    expect(tombstone?.versions).toEqual({ upsert: 4, create: 5, delete: 7, name: 4 });
    expect(tombstone?.gid).toBeUndefined();
  });
});

describe('out-of-order deltas', () => {
  it('one-member adds delivered in random order all land, and a late removal still removes', async () => {
    const key = 'shuffled';
    await upsert(key, 1, ['owner', 'bob']);
    await h.drain();
    const adds = Array.from({ length: 12 }, (_, i) => i + 3);
    for (const v of seededRandom(16).shuffle(adds)) {
      await send('group.members.add', { key, version: v, members: [{ address: `m${v}` }] });
    }
    await send('group.members.remove', { key, version: 2, members: [{ address: 'bob' }] });
    await h.drain();
    expect(await membersAt(key)).toEqual(['owner', ...adds.map((v) => `m${v}`)].sort());
    expect((await h.state.getMeta(key))?.memberCount).toBe(13);
  });
});

describe('recovery', () => {
  it('a mesibo 5xx between chunks fails the message; the redelivery converges exactly', async () => {
    const key = 'fault';
    await upsert(key, 1, range(0, 40));
    await h.drain();
    const edits = await count('groupeditmembers');
    // Fourth edit fails on every attempt the client makes (3), so the worker gives up on the message.
    await h.control.addFault({ kind: 'status', status: 500, ops: ['groupeditmembers'], skip: 3, count: 3 });
    await upsert(key, 2, range(20, 75)); // +35 (4 chunks), -20 (2 chunks)
    const [failed] = await h.drain();
    expect(failed?.batchItemFailures).toHaveLength(1);
    expect(h.queue.pending).toHaveLength(1);
    expect((await h.state.getMeta(key))?.versions.upsert).toBe(1);

    await h.drain();
    expect(h.queue.pending).toHaveLength(0);
    expect(await membersAt(key)).toEqual(range(20, 75).sort());
    expect(await recorded(key)).toEqual(range(20, 75).sort());
    // 6 edits needed; 3 succeeded before the fault, 3 attempts failed, 3 sent by the redelivery.
    const sent = (await h.control.requests({ op: 'groupeditmembers' })).slice(edits);
    expect(sent.filter((r) => r.result)).toHaveLength(6);
    expect(sent.filter((r) => !r.result)).toHaveLength(3);
  });

  it('a crash after a groupeditmembers but before its record re-sends only that chunk', async () => {
    const key = 'crash';
    const adds = await count('groupadd');
    const edits = await count('groupeditmembers');
    let batchWrites = 0;
    crashOn = (command) => {
      // One member write per chunk: the third chunk's edit reached mesibo, its record did not.
      if (command === 'BatchWriteItemCommand' && ++batchWrites === 3)
        throw new Error('simulated Lambda crash');
    };
    await upsert(key, 1, range(0, 50));
    await h.drain();
    expect(h.queue.pending).toHaveLength(1);
    expect(await recorded(key)).toHaveLength(20);
    expect((await h.state.getMeta(key))?.intents).toHaveLength(1);
    expect(await membersAt(key)).toHaveLength(30);

    crashOn = undefined;
    await h.drain();
    expect(await membersAt(key)).toEqual(range(0, 50).sort());
    expect(await recorded(key)).toEqual(range(0, 50).sort());
    expect(await h.state.getMeta(key)).toMatchObject({ memberCount: 50, intents: [] });
    expect(await count('groupadd')).toBe(adds + 1);
    expect(await count('groupeditmembers')).toBe(edits + 5 + 1);
  });

  it('members a crashed delivery added are removed by the next event, though that delivery went to the DLQ', async () => {
    const key = 'drift';
    await upsert(key, 1, range(0, 10));
    await h.drain();
    let batchWrites = 0;
    crashOn = (command) => {
      if (command === 'BatchWriteItemCommand' && ++batchWrites === 1)
        throw new Error('simulated Lambda crash');
    };
    await send('group.members.add', {
      key,
      version: 2,
      members: range(10, 15).map((address) => ({ address })),
    });
    await h.drain();
    expect(await membersAt(key)).toEqual(range(0, 15).sort());
    // Retries exhausted: the message is dead-lettered, never to be applied.
    expect(h.queue.pending).toHaveLength(1);
    h.queue.pending.length = 0;
    crashOn = undefined;

    await upsert(key, 3, range(0, 10));
    await h.drain();
    expect(await membersAt(key)).toEqual(range(0, 10).sort());
    expect(await recorded(key)).toEqual(range(0, 10).sort());
  });

  it('a timeout (hung mesibo) mid-way is retried to the same end state', async () => {
    const key = 'hang';
    await upsert(key, 1, range(0, 10));
    await h.drain();
    await h.control.addFault({ kind: 'hang', ops: ['groupeditmembers'], count: 3 });
    await send('group.members.add', {
      key,
      version: 2,
      members: range(10, 15).map((address) => ({ address })),
    });
    await h.drain();
    expect(h.queue.pending).toHaveLength(1);
    await h.drain();
    expect(await membersAt(key)).toEqual(range(0, 15).sort());
  });

  it.each([
    ['429', { kind: 'status', status: 429 }],
    ['an API error', { kind: 'api-error', error: 'BADVALUE' }],
  ] as const)(
    'a groupadd that certainly created nothing (%s) gives the claim up: the retry creates at once',
    async (_, fault) => {
      const key = `certain-${fault.kind}`;
      await h.control.addFault({ ...fault, ops: ['groupadd'], count: 1 });
      await upsert(key, 1, ['a']);
      await h.drain();
      expect(h.queue.pending).toHaveLength(1);
      expect((await h.state.getMeta(key))?.creating).toBeUndefined();
      await h.drain(); // no lease to wait out
      expect(h.queue.pending).toHaveLength(0);
      expect(await membersAt(key)).toEqual(['a']);
    },
  );

  it('groupadd answered with a 5xx after it applied: no retry inside the call; the fence recovers once the lease ends', async () => {
    const key = 'ambiguous';
    const groupsBefore = (await h.control.state()).groups.length;
    await h.control.addFault({ kind: 'status-after-apply', status: 503, ops: ['groupadd'], count: 1 });
    await upsert(key, 1, ['a', 'b']);
    await h.drain();
    expect(await count('groupadd')).toBeGreaterThan(0);
    expect((await h.state.getMeta(key))?.creating).toBeDefined();
    // Within the lease the message waits (the first attempt might still be running).
    await h.drain();
    expect(h.queue.pending).toHaveLength(1);
    h.clock.advance(61_000);
    await h.drain();
    expect(h.queue.pending).toHaveLength(0);
    const groups = (await h.control.state()).groups.slice(groupsBefore);
    // One group has the members; the interrupted attempt's group stayed empty (and was logged).
    expect(groups.map((g) => g.members.length).sort()).toEqual([0, 2]);
    expect(await membersAt(key)).toEqual(['a', 'b']);
  });
});
