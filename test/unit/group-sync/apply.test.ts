import { beforeEach, describe, expect, it } from 'vitest';
import { type ApplyDeps, applyGroupSyncMessage, GroupBusyError } from '../../../shared/group-sync/apply';
import { ALL_RIGHTS, fromMask, isPending, toMask } from '../../../shared/group-sync/members';
import type { GroupEvent, GroupSyncMessage } from '../../../shared/group-sync/schema';
import { MesiboError } from '../../../shared/mesibo/errors';
import { FakeMesibo, fixedClock, MemoryGroupState, silentLogger } from './fakes';

const addresses = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `u${from + i}`);
const members = (list: string[]) => list.map((address) => ({ address }));

let store: MemoryGroupState;
let mesibo: FakeMesibo;
let clock: ReturnType<typeof fixedClock>;
let logger: ReturnType<typeof silentLogger>;
let deps: ApplyDeps;
let seq: number;

beforeEach(() => {
  store = new MemoryGroupState();
  mesibo = new FakeMesibo();
  clock = fixedClock();
  logger = silentLogger();
  seq = 0;
  deps = {
    store,
    mesibo,
    clock,
    newId: () => `attempt-${++seq}`,
    logger,
    config: { chunkSize: 10, maxMembers: 1000, creationLeaseMs: 60_000 },
  };
});

let deliveries = 0;
const message = (event: GroupEvent, deliveryId = `d-${++deliveries}`): GroupSyncMessage => ({
  deliveryId,
  receivedAt: clock.now(),
  event,
});
const upsert = (version: number, list: string[], name?: string) =>
  message({
    type: 'group.upsert',
    group: { key: 'team', version, members: members(list), ...(name ? { name } : {}) },
  });

const gidOf = () => store.metas.get('team')?.gid as number;
/** What mesibo has, as address → mask, to compare with the store. */
const atMesibo = () => new Map([...mesibo.membersOf(gidOf())].map(([a, p]) => [a, toMask(p)]));

describe('applyGroupSyncMessage', () => {
  it('creates the group on first sight and adds members in chunks', async () => {
    const outcome = await applyGroupSyncMessage(deps, upsert(1, addresses(0, 25), 'Team'));
    expect(outcome).toMatchObject({ status: 'applied', created: true, added: 25, removed: 0, edits: 3 });
    expect(mesibo.count('groupadd')).toBe(1);
    expect(mesibo.groups.get(gidOf())?.name).toBe('Team');
    expect(atMesibo()).toEqual(store.members.get('team'));
    expect(store.members.get('team')?.size).toBe(25);
    expect(store.metas.get('team')).toMatchObject({ appliedVersion: 1, name: 'Team' });
    expect(store.deliveries.get(outcome.deliveryId)?.status).toBe('applied');
  });

  it('sends only the difference: growth, shrink, a rights change, a rename', async () => {
    await applyGroupSyncMessage(deps, upsert(1, addresses(0, 50), 'Team'));
    const base = mesibo.calls.length;

    expect(await applyGroupSyncMessage(deps, upsert(2, addresses(0, 51), 'Team'))).toMatchObject({
      added: 1,
      edits: 1,
    });
    expect(await applyGroupSyncMessage(deps, upsert(3, addresses(5, 51), 'Team'))).toMatchObject({
      removed: 5,
      edits: 1,
    });
    const withReadOnly = [...members(addresses(5, 50)), { address: 'u50', permissions: { send: false } }];
    const readOnly = message({
      type: 'group.upsert',
      group: { key: 'team', version: 4, members: withReadOnly },
    });
    expect(await applyGroupSyncMessage(deps, readOnly)).toMatchObject({ added: 1, removed: 0, edits: 1 });
    expect(mesibo.calls.at(-1)?.input).toMatchObject({
      addresses: ['u50'],
      permissions: fromMask(toMask({ send: false })),
    });
    const renamed = message({
      type: 'group.upsert',
      group: { key: 'team', version: 5, name: 'Team 2', members: withReadOnly },
    });
    expect(await applyGroupSyncMessage(deps, renamed)).toMatchObject({ renamed: true, edits: 0 });

    expect(mesibo.calls.slice(base).map((c) => c.op)).toEqual([
      'groupeditmembers',
      'groupeditmembers',
      'groupeditmembers',
      'groupset',
    ]);
    expect(mesibo.groups.get(gidOf())?.name).toBe('Team 2');
    expect(atMesibo()).toEqual(store.members.get('team'));
    expect(store.members.get('team')?.get('u50')).toBe(toMask({ send: false }));
  });

  it('applies member deltas on top of what is applied', async () => {
    await applyGroupSyncMessage(deps, upsert(1, ['a', 'b']));
    await applyGroupSyncMessage(
      deps,
      message({
        type: 'group.members.add',
        group: { key: 'team', version: 2, members: [{ address: 'c' }, { address: 'a' }] },
      }),
    );
    await applyGroupSyncMessage(
      deps,
      message({
        type: 'group.members.remove',
        group: { key: 'team', version: 3, members: [{ address: 'b' }, { address: 'zz' }] },
      }),
    );
    expect([...atMesibo().keys()].sort()).toEqual(['a', 'c']);
    expect(mesibo.count('groupeditmembers')).toBe(3);
  });

  it('creates the group, without a name, for an add to a key never upserted; a later upsert names it', async () => {
    const outcome = await applyGroupSyncMessage(
      deps,
      message({ type: 'group.members.add', group: { key: 'team', version: 1, members: [{ address: 'a' }] } }),
    );
    expect(outcome).toMatchObject({ status: 'applied', created: true, added: 1, edits: 1 });
    expect(mesibo.count('groupadd')).toBe(1);
    expect([...atMesibo().keys()]).toEqual(['a']);
    await applyGroupSyncMessage(deps, upsert(2, ['a', 'b'], 'Team'));
    expect(mesibo.count('groupadd')).toBe(1);
    expect(mesibo.groups.get(gidOf())?.name).toBe('Team');
    expect([...atMesibo().keys()].sort()).toEqual(['a', 'b']);
  });

  it('needs no group to remove members from a group never created', async () => {
    const outcome = await applyGroupSyncMessage(
      deps,
      message({
        type: 'group.members.remove',
        group: { key: 'team', version: 1, members: [{ address: 'a' }] },
      }),
    );
    expect(outcome).toMatchObject({ status: 'applied', edits: 0 });
    expect(mesibo.calls).toEqual([]);
  });

  it('deletes the group and its records, keeps a tombstone, and recreates on a newer upsert', async () => {
    await applyGroupSyncMessage(deps, upsert(1, ['a', 'b']));
    const first = gidOf();
    const deleted = await applyGroupSyncMessage(
      deps,
      message({ type: 'group.delete', group: { key: 'team', version: 2 } }),
    );
    expect(deleted).toMatchObject({ status: 'applied', deleted: true });
    expect(mesibo.groups.has(first)).toBe(false);
    expect(store.members.has('team')).toBe(false);
    expect(store.metas.get('team')).toEqual({
      key: 'team',
      appliedVersion: 2,
      appliedDeliveryId: deleted.deliveryId,
      deleted: true,
    });

    expect(await applyGroupSyncMessage(deps, upsert(1, ['a']))).toMatchObject({ status: 'stale' });
    expect(await applyGroupSyncMessage(deps, upsert(3, ['c']))).toMatchObject({
      status: 'applied',
      created: true,
    });
    expect(gidOf()).not.toBe(first);
    expect([...atMesibo().keys()]).toEqual(['c']);
  });

  it('acknowledges and ignores stale versions, including an equal version from another delivery', async () => {
    await applyGroupSyncMessage(deps, upsert(5, ['a']));
    const calls = mesibo.calls.length;
    const older = await applyGroupSyncMessage(deps, upsert(4, ['a', 'b']));
    const equal = await applyGroupSyncMessage(deps, upsert(5, ['a', 'b']));
    expect([older.status, equal.status]).toEqual(['stale', 'stale']);
    expect(store.deliveries.get(older.deliveryId)).toMatchObject({
      status: 'stale',
      detail: 'version 4 is not newer than applied 5',
    });
    expect(mesibo.calls.length).toBe(calls);
  });

  it('applies a repeated delivery once', async () => {
    const m = upsert(1, ['a', 'b']);
    await applyGroupSyncMessage(deps, m);
    const calls = mesibo.calls.length;
    expect(await applyGroupSyncMessage(deps, m)).toMatchObject({ status: 'duplicate', previous: 'applied' });
    expect(mesibo.calls.length).toBe(calls);
  });

  it('finishes a run that stopped after recording the version, with no mesibo call', async () => {
    const m = upsert(1, ['a']);
    await applyGroupSyncMessage(deps, m);
    store.deliveries.get(m.deliveryId)!.status = 'queued';
    const calls = mesibo.calls.length;
    expect(await applyGroupSyncMessage(deps, m)).toMatchObject({ status: 'applied', edits: 0 });
    expect(mesibo.calls.length).toBe(calls);
  });

  it('rejects a delta that would grow the group past the maximum', async () => {
    deps.config.maxMembers = 3;
    await applyGroupSyncMessage(deps, upsert(1, ['a', 'b', 'c']));
    const outcome = await applyGroupSyncMessage(
      deps,
      message({ type: 'group.members.add', group: { key: 'team', version: 2, members: [{ address: 'd' }] } }),
    );
    expect(outcome).toMatchObject({ status: 'rejected' });
    expect(outcome.detail).toContain('over the maximum of 3');
    expect(mesibo.count('groupeditmembers')).toBe(1);
  });

  describe('recovery', () => {
    it('a crash between a groupeditmembers and its record re-sends that one chunk, nothing else', async () => {
      const m = upsert(1, addresses(0, 50));
      const record = store.recordMembers.bind(store);
      let writes = 0;
      store.recordMembers = async (key, change) => {
        // Two writes per chunk (marked unknown, then confirmed): the 6th confirms the third chunk.
        if (++writes === 6) throw new Error('Lambda died');
        return record(key, change);
      };
      await expect(applyGroupSyncMessage(deps, m)).rejects.toThrow('Lambda died');
      const left = [...(store.members.get('team')?.values() ?? [])];
      expect(left.filter((mask) => !isPending(mask))).toHaveLength(20);
      expect(left.filter(isPending)).toHaveLength(10);
      expect(store.deliveries.get(m.deliveryId)).toBeUndefined();

      const outcome = await applyGroupSyncMessage(deps, m);
      expect(outcome).toMatchObject({ status: 'applied', added: 30, edits: 3 });
      expect(mesibo.count('groupeditmembers')).toBe(6); // 5 chunks + the one re-sent
      expect(mesibo.count('groupadd')).toBe(1);
      expect(atMesibo()).toEqual(store.members.get('team'));
      expect(store.members.get('team')?.size).toBe(50);
    });

    /** Applies `event` with a crash right after mesibo applied its one chunk; the message is then dead-lettered. */
    const crashAfterMesibo = async (event: GroupSyncMessage) => {
      const record = store.recordMembers.bind(store);
      let writes = 0;
      store.recordMembers = async (key, change) => {
        if (++writes === 2) throw new Error('Lambda died'); // the write that confirms the chunk
        return record(key, change);
      };
      await expect(applyGroupSyncMessage(deps, event)).rejects.toThrow('Lambda died');
      store.recordMembers = record;
    };
    const remove = (version: number, list: string[]) =>
      message({ type: 'group.members.remove', group: { key: 'team', version, members: members(list) } });
    const add = (version: number, list: string[]) =>
      message({ type: 'group.members.add', group: { key: 'team', version, members: members(list) } });

    // [dead-lettered edit, members it left at mesibo, next event, members expected after it]
    const deadLettered = { add: () => add(2, addresses(10, 15)), removal: () => remove(2, addresses(5, 10)) };
    it.each([
      ['add', 15, 'an upsert', () => upsert(3, addresses(0, 10)), addresses(0, 10)],
      ['add', 15, 'an add of someone else', () => add(3, ['v1']), [...addresses(0, 15), 'v1']],
      ['add', 15, 'a removal of someone else', () => remove(3, ['u0']), addresses(1, 15)],
      ['removal', 5, 'an upsert', () => upsert(3, addresses(0, 10)), addresses(0, 10)],
      ['removal', 5, 'an add of someone else', () => add(3, ['v1']), [...addresses(0, 5), 'v1']],
      ['removal', 5, 'a removal of someone else', () => remove(3, ['u0']), addresses(1, 5)],
    ] as const)(
      'a dead-lettered %s cut short by a crash (%i left at mesibo) is settled by the next event, %s',
      async (edit, left, _, next, expected) => {
        await applyGroupSyncMessage(deps, upsert(1, addresses(0, 10)));
        await crashAfterMesibo(deadLettered[edit]());
        expect([...atMesibo().keys()]).toHaveLength(left);
        await applyGroupSyncMessage(deps, next());
        expect([...atMesibo().keys()].sort()).toEqual([...expected].sort());
        expect(store.members.get('team')).toEqual(atMesibo());
      },
    );

    it('a chunk mesibo refuses leaves the records as they were, so later events do not re-send it', async () => {
      await applyGroupSyncMessage(deps, upsert(1, addresses(0, 5)));
      mesibo.failOn = (op) => {
        if (op === 'groupeditmembers')
          throw new MesiboError({ op, kind: 'api', error: 'BADVALUE', retryable: false });
      };
      await expect(applyGroupSyncMessage(deps, add(2, ['bad']))).rejects.toThrow(MesiboError);
      expect(store.members.get('team')).toEqual(atMesibo());
      mesibo.failOn = () => {};
      const before = mesibo.count('groupeditmembers');
      await applyGroupSyncMessage(deps, add(3, ['v1']));
      expect(mesibo.count('groupeditmembers')).toBe(before + 1);
      expect([...atMesibo().keys()].sort()).toEqual([...addresses(0, 5), 'v1'].sort());
      expect(store.members.get('team')).toEqual(atMesibo());
    });

    it('a mesibo failure half way leaves a state the retry completes exactly', async () => {
      await applyGroupSyncMessage(deps, upsert(1, addresses(0, 40)));
      const m = upsert(2, addresses(20, 70)); // +30, -20
      mesibo.failOn = (op, index) => {
        if (op === 'groupeditmembers' && index === 6) throw new Error('HTTP 500');
      };
      await expect(applyGroupSyncMessage(deps, m)).rejects.toThrow('HTTP 500');
      expect(store.metas.get('team')?.appliedVersion).toBe(1);
      mesibo.failOn = () => {};
      const before = mesibo.count('groupeditmembers');
      await applyGroupSyncMessage(deps, m);
      expect(mesibo.count('groupeditmembers') - before).toBe(3);
      expect([...atMesibo().keys()].sort()).toEqual(addresses(20, 70).sort());
      expect(atMesibo()).toEqual(store.members.get('team'));
    });

    it('waits while another attempt holds the creation, then takes over and warns', async () => {
      const m = upsert(1, ['a']);
      mesibo.failOn = (op) => {
        if (op === 'groupadd') throw new Error('timeout: mesibo may or may not have created it');
      };
      await expect(applyGroupSyncMessage(deps, m)).rejects.toThrow('timeout');
      expect(store.metas.get('team')?.creating).toEqual({
        attemptId: 'attempt-1',
        until: clock.now() + 60_000,
      });

      mesibo.failOn = () => {};
      await expect(applyGroupSyncMessage(deps, m)).rejects.toBeInstanceOf(GroupBusyError);
      clock.advance(60_001);
      expect(await applyGroupSyncMessage(deps, m)).toMatchObject({ status: 'applied', created: true });
      expect(mesibo.count('groupadd')).toBe(1);
      expect(logger.lines.find((l) => l.level === 'warn')).toMatchObject({
        attrs: { key: 'team', interruptedAttemptId: 'attempt-1' },
      });
    });

    it('deletes a group it could not record, so the retry leaves no orphan', async () => {
      const m = upsert(1, ['a']);
      store.recordGid = async () => {
        throw new Error('DynamoDB unavailable');
      };
      await expect(applyGroupSyncMessage(deps, m)).rejects.toThrow('DynamoDB unavailable');
      expect(mesibo.calls.map((c) => c.op)).toEqual(['groupadd', 'groupdel']);
      expect(mesibo.groups.size).toBe(0);
    });

    it('finishes a delete interrupted after groupdel', async () => {
      await applyGroupSyncMessage(deps, upsert(1, ['a']));
      const m = message({ type: 'group.delete', group: { key: 'team', version: 2 } });
      store.dropGroup = async () => {
        throw new Error('Lambda died');
      };
      await expect(applyGroupSyncMessage(deps, m)).rejects.toThrow('Lambda died');
      store.dropGroup = MemoryGroupState.prototype.dropGroup.bind(store);
      expect(await applyGroupSyncMessage(deps, m)).toMatchObject({ status: 'applied', deleted: true });
      expect(store.metas.get('team')).toMatchObject({ deleted: true, appliedVersion: 2 });
    });

    it('does not swallow a groupdel failure on a first attempt', async () => {
      await applyGroupSyncMessage(deps, upsert(1, ['a']));
      mesibo.groups.clear();
      const m = message({ type: 'group.delete', group: { key: 'team', version: 2 } });
      await expect(applyGroupSyncMessage(deps, m)).rejects.toThrow('BADVALUE');
      // The retry knows it started the delete.
      expect(await applyGroupSyncMessage(deps, m)).toMatchObject({ status: 'applied' });
    });
  });

  it('keeps rights of members added without permissions at all five', async () => {
    await applyGroupSyncMessage(deps, upsert(1, ['a']));
    expect(store.members.get('team')?.get('a')).toBe(ALL_RIGHTS);
    expect(mesibo.calls.at(-1)?.input).toMatchObject({ permissions: fromMask(ALL_RIGHTS) });
  });
});
