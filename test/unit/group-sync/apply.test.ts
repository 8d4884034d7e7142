import { beforeEach, describe, expect, it } from 'vitest';
import { capturingLogger } from '../../../local/harness/loggers';
import {
  type ApplyCheckpoint,
  type ApplyDeps,
  applyGroupSyncMessage,
  GroupBusyError,
} from '../../../shared/group-sync/apply';
import { ALL_RIGHTS, fromMask, toMask } from '../../../shared/group-sync/members';
import type { GroupEvent, GroupSyncMessage } from '../../../shared/group-sync/schema';
import { MesiboError } from '../../../shared/mesibo/errors';
import { modelGroup } from '../../../sim/group-sync/model';
import { seededRandom } from '../../../sim/lib/random';
import { FakeMesibo } from '../../support/fake-mesibo';
import { fixedClock, MemoryGroupState } from './fakes';

const addresses = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `u${from + i}`);
const members = (list: string[]) => list.map((address) => ({ address }));

let store: MemoryGroupState;
let mesibo: FakeMesibo;
let clock: ReturnType<typeof fixedClock>;
let logger: ReturnType<typeof capturingLogger>;
let deps: ApplyDeps;
let seq: number;

beforeEach(() => {
  store = new MemoryGroupState();
  mesibo = new FakeMesibo();
  clock = fixedClock();
  logger = capturingLogger();
  seq = 0;
  deps = {
    store,
    mesibo,
    clock,
    newId: () => `attempt-${++seq}`,
    logger,
    config: { chunkSize: 10, maxMembers: 1000, creationLeaseMs: 60_000, editsInFlight: 3 },
  };
});

let deliveries = 0;
const message = (event: GroupEvent, deliveryId = `d-${++deliveries}`): GroupSyncMessage => ({
  deliveryId,
  receivedAt: clock.now(),
  event,
});
const upsertEvent = (version: number, list: string[], name?: string): GroupEvent => ({
  type: 'group.upsert',
  group: { key: 'team', version, members: members(list), ...(name ? { name } : {}) },
});
const upsert = (version: number, list: string[], name?: string) => message(upsertEvent(version, list, name));
const add = (version: number, list: string[]) =>
  message({ type: 'group.members.add', group: { key: 'team', version, members: members(list) } });
const remove = (version: number, list: string[]) =>
  message({ type: 'group.members.remove', group: { key: 'team', version, members: members(list) } });
const del = (version: number) => message({ type: 'group.delete', group: { key: 'team', version } });

const gidOf = () => store.metas.get('team')?.gid as number;
/** What mesibo has, as address → mask, to compare with the store. */
const atMesibo = () => new Map([...mesibo.membersOf(gidOf())].map(([a, p]) => [a, toMask(p)]));
const sorted = (m: Map<string, unknown>) => [...m.keys()].sort();

describe('applyGroupSyncMessage', () => {
  it('creates the group on first sight and adds members in chunks', async () => {
    const outcome = await applyGroupSyncMessage(deps, upsert(1, addresses(0, 25), 'Team'));
    expect(outcome).toMatchObject({ status: 'applied', created: true, added: 25, removed: 0, edits: 3 });
    expect(mesibo.count('groupadd')).toBe(1);
    expect(mesibo.groups.get(gidOf())?.name).toBe('Team');
    expect(atMesibo()).toEqual(store.present('team'));
    expect(store.metas.get('team')).toMatchObject({
      memberCount: 25,
      intents: [],
      versions: { upsert: 1, create: 1, name: 1 },
      name: 'Team',
    });
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
    expect(atMesibo()).toEqual(store.present('team'));
    expect(store.metas.get('team')?.memberCount).toBe(46);
  });

  it('a delta reads only the members it names, however large the group', async () => {
    await applyGroupSyncMessage(deps, upsert(1, addresses(0, 500)));
    store.reads.loaded = 0;
    store.reads.got = 0;
    await applyGroupSyncMessage(deps, add(2, ['new']));
    await applyGroupSyncMessage(deps, remove(3, ['u7']));
    expect(store.reads).toEqual({ loaded: 0, got: 1 });
    expect(mesibo.count('groupeditmembers')).toBe(50 + 2);
  });

  it('creates the group, without a name, for an add to a key never upserted; a later upsert names it', async () => {
    const outcome = await applyGroupSyncMessage(deps, add(1, ['a']));
    expect(outcome).toMatchObject({ status: 'applied', created: true, added: 1, edits: 1 });
    await applyGroupSyncMessage(deps, upsert(2, ['a', 'b'], 'Team'));
    expect(mesibo.count('groupadd')).toBe(1);
    expect(mesibo.groups.get(gidOf())?.name).toBe('Team');
    expect(sorted(atMesibo())).toEqual(['a', 'b']);
  });

  it('needs no group to remove members from a group never created', async () => {
    const outcome = await applyGroupSyncMessage(deps, remove(1, ['a']));
    expect(outcome).toMatchObject({ status: 'applied', edits: 0 });
    expect(mesibo.calls).toEqual([]);
  });

  it('deletes the group, keeps a tombstone with the versions, and recreates on a newer upsert', async () => {
    await applyGroupSyncMessage(deps, upsert(1, ['a', 'b']));
    const first = gidOf();
    const deleted = await applyGroupSyncMessage(deps, del(2));
    expect(deleted).toMatchObject({ status: 'applied', deleted: true, removed: 2 });
    expect(mesibo.groups.has(first)).toBe(false);
    expect(store.members.get('team')?.size).toBe(0);
    expect(store.metas.get('team')).toMatchObject({
      versions: { upsert: 1, delete: 2, create: 1 },
      deleted: true,
      memberCount: 0,
    });
    expect(store.metas.get('team')?.gid).toBeUndefined();

    expect(await applyGroupSyncMessage(deps, upsert(1, ['a']))).toMatchObject({ status: 'stale' });
    expect(await applyGroupSyncMessage(deps, upsert(3, ['c']))).toMatchObject({
      status: 'applied',
      created: true,
    });
    expect(gidOf()).not.toBe(first);
    expect(sorted(atMesibo())).toEqual(['c']);
  });

  it('acknowledges and ignores events at or below the last upsert, including an equal version', async () => {
    await applyGroupSyncMessage(deps, upsert(5, ['a']));
    const calls = mesibo.calls.length;
    const older = await applyGroupSyncMessage(deps, upsert(4, ['a', 'b']));
    const equal = await applyGroupSyncMessage(deps, upsert(5, ['a', 'b']));
    const olderAdd = await applyGroupSyncMessage(deps, add(3, ['c']));
    expect([older.status, equal.status, olderAdd.status]).toEqual(['stale', 'stale', 'stale']);
    expect(store.deliveries.get(older.deliveryId)).toMatchObject({
      status: 'stale',
      detail: "version 4 is not above the group's last upsert or delete (5)",
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

  it('finishes a run that stopped after recording the versions, with no mesibo call', async () => {
    const m = add(1, ['a']);
    await applyGroupSyncMessage(deps, m);
    store.deliveries.get(m.deliveryId)!.status = 'queued';
    const calls = mesibo.calls.length;
    expect(await applyGroupSyncMessage(deps, m)).toMatchObject({ status: 'applied', edits: 0 });
    expect(mesibo.calls.length).toBe(calls);
  });

  it('rejects a delta that would grow the group past the maximum', async () => {
    deps.config.maxMembers = 3;
    await applyGroupSyncMessage(deps, upsert(1, ['a', 'b', 'c']));
    const outcome = await applyGroupSyncMessage(deps, add(2, ['d']));
    expect(outcome).toMatchObject({ status: 'rejected' });
    expect(outcome.detail).toContain('over the maximum of 3');
    expect(mesibo.count('groupeditmembers')).toBe(1);
    // Re-adding a present member does not grow the group.
    expect(await applyGroupSyncMessage(deps, add(3, ['a']))).toMatchObject({ status: 'applied' });
  });

  it('keeps rights of members added without permissions at all five', async () => {
    await applyGroupSyncMessage(deps, upsert(1, ['a']));
    expect(store.present('team').get('a')).toBe(ALL_RIGHTS);
    expect(mesibo.calls.at(-1)?.input).toMatchObject({ permissions: fromMask(ALL_RIGHTS) });
  });
});

describe('per-member ordering', () => {
  it('30 one-member adds in any order all land (the reported loss: 7 of 31 left)', async () => {
    await applyGroupSyncMessage(deps, upsert(1, ['owner']));
    const adds = Array.from({ length: 30 }, (_, i) => add(i + 2, [`m${i + 2}`]));
    for (const m of seededRandom(7).shuffle(adds)) await applyGroupSyncMessage(deps, m);
    expect(atMesibo().size).toBe(31);
    expect(store.metas.get('team')?.memberCount).toBe(31);
  });

  it('a swapped pair keeps both changes', async () => {
    await applyGroupSyncMessage(deps, upsert(3, ['a']));
    await applyGroupSyncMessage(deps, add(5, ['v5']));
    expect(await applyGroupSyncMessage(deps, add(4, ['v4']))).toMatchObject({ status: 'applied', added: 1 });
    expect(sorted(atMesibo())).toEqual(['a', 'v4', 'v5']);
  });

  it('a removal delivered after a later add still removes (no access kept by reordering)', async () => {
    await applyGroupSyncMessage(deps, upsert(2, ['bob']));
    await applyGroupSyncMessage(deps, add(4, ['carol']));
    await applyGroupSyncMessage(deps, remove(3, ['bob']));
    expect(sorted(atMesibo())).toEqual(['carol']);
  });

  it('an add older than a removal of the same member does not bring it back', async () => {
    await applyGroupSyncMessage(deps, upsert(1, ['a']));
    await applyGroupSyncMessage(deps, remove(5, ['bob']));
    expect(await applyGroupSyncMessage(deps, add(4, ['bob']))).toMatchObject({ added: 0, edits: 0 });
    expect(sorted(atMesibo())).toEqual(['a']);
  });

  it('an older upsert is stale; a newer one keeps members changed by deltas above it', async () => {
    await applyGroupSyncMessage(deps, upsert(1, ['a', 'b']));
    await applyGroupSyncMessage(deps, add(7, ['late']));
    await applyGroupSyncMessage(deps, remove(8, ['a']));
    // Upsert 5 names a and drops b and late... but late (7) and a's removal (8) are newer.
    await applyGroupSyncMessage(deps, upsert(5, ['a', 'c']));
    expect(sorted(atMesibo())).toEqual(['c', 'late']);
  });

  it('a named upsert arriving after a newer unnamed one still names the group (found by simulation seed 2)', async () => {
    await applyGroupSyncMessage(deps, upsert(30, ['a'], 'Old'));
    await applyGroupSyncMessage(deps, upsert(93, ['a', 'b']));
    expect(await applyGroupSyncMessage(deps, upsert(86, ['c'], 'Newest name'))).toMatchObject({
      status: 'applied',
      renamed: true,
      edits: 0,
    });
    expect(mesibo.groups.get(gidOf())?.name).toBe('Newest name');
    expect(sorted(atMesibo())).toEqual(['a', 'b']);
    expect(await applyGroupSyncMessage(deps, upsert(40, ['a'], 'Older name'))).toMatchObject({
      status: 'stale',
    });
    expect(mesibo.groups.get(gidOf())?.name).toBe('Newest name');
  });

  it('a delete below an add that arrived first keeps the group with that member', async () => {
    await applyGroupSyncMessage(deps, upsert(1, ['a', 'b'], 'Team'));
    await applyGroupSyncMessage(deps, add(10, ['carol']));
    const outcome = await applyGroupSyncMessage(deps, del(8));
    expect(outcome).toMatchObject({ status: 'applied', removed: 2 });
    expect(sorted(atMesibo())).toEqual(['carol']);
    expect(mesibo.count('groupdel')).toBe(0);
  });

  /** Events over 6 members with random types, unique versions; the same set in any order must agree. */
  const randomEvents = (seed: number): GroupEvent[] => {
    const r = seededRandom(seed);
    const pool = ['a', 'b', 'c', 'd', 'e', 'f'];
    const pickSome = () => r.shuffle(pool).slice(0, r.int(1, 4));
    return Array.from({ length: 12 }, (_, i): GroupEvent => {
      const version = i + 1;
      const kind = r.int(0, 9);
      if (kind < 2) return upsertEvent(version, pickSome(), r.chance(0.5) ? `n${version}` : undefined);
      if (kind < 6) {
        return {
          type: 'group.members.add',
          group: {
            key: 'team',
            version,
            members: pickSome().map((address) => ({ address, permissions: { send: r.chance(0.5) } })),
          },
        };
      }
      if (kind < 9) {
        return {
          type: 'group.members.remove',
          group: { key: 'team', version, members: members(pickSome()) },
        };
      }
      return { type: 'group.delete', group: { key: 'team', version } };
    });
  };

  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'any permutation with duplicates ends in the version-ordered state (seed %i)',
    async (seed) => {
      const events = randomEvents(seed);
      const model = modelGroup(events);
      const r = seededRandom(seed + 1000);
      const deliveriesOf = events.map((event, i) => message(event, `s${seed}-${i}`));
      const sent = r.shuffle([...deliveriesOf, ...deliveriesOf.filter(() => r.chance(0.3))]);
      for (const m of sent) await applyGroupSyncMessage(deps, m);

      const meta = store.metas.get('team');
      expect(meta?.gid !== undefined).toBe(model.exists);
      if (model.exists) {
        expect(atMesibo()).toEqual(model.members);
        if (model.name !== undefined) expect(mesibo.groups.get(gidOf())?.name).toBe(model.name);
        expect(store.present('team')).toEqual(model.members);
        expect(meta?.memberCount).toBe(model.members.size);
      }
      // Only the current group survives at mesibo.
      expect(mesibo.groups.size).toBe(model.exists ? 1 : 0);
    },
  );
});

describe('recovery', () => {
  /** Stops the worker (throws) at the n-th time it reaches `point`. */
  const killAt = (point: ApplyCheckpoint, n = 1) => {
    let seen = 0;
    deps.checkpoint = (p) => {
      if (p === point && ++seen === n) throw new Error(`killed at ${p}`);
    };
  };

  it.each(['intent-recorded', 'edit-sent', 'members-recorded', 'edits-done', 'versions-recorded'] as const)(
    'a worker killed at %s: the retry converges, re-sending at most what was unconfirmed',
    async (point) => {
      await applyGroupSyncMessage(deps, upsert(1, addresses(0, 20)));
      const m = upsert(2, addresses(10, 50)); // +30, -10
      // Per-edit points: the second edit; per-event points: the only time.
      killAt(point, point === 'edits-done' || point === 'versions-recorded' ? 1 : 2);
      await expect(applyGroupSyncMessage(deps, m)).rejects.toThrow('killed');
      deps.checkpoint = undefined;
      const before = mesibo.count('groupeditmembers');
      expect(await applyGroupSyncMessage(deps, m)).toMatchObject({ status: 'applied' });
      expect(sorted(atMesibo())).toEqual(addresses(10, 50).sort());
      expect(store.present('team')).toEqual(atMesibo());
      expect(store.metas.get('team')).toMatchObject({ memberCount: 40, intents: [] });
      expect(mesibo.count('groupeditmembers') - before).toBeLessThanOrEqual(4);
    },
  );

  it('an edit left unconfirmed by a dead-lettered delivery is sent again by the next event', async () => {
    await applyGroupSyncMessage(deps, upsert(1, addresses(0, 10)));
    killAt('edit-sent');
    await expect(applyGroupSyncMessage(deps, remove(2, addresses(5, 10)))).rejects.toThrow('killed');
    deps.checkpoint = undefined;
    expect(store.metas.get('team')?.intents).toHaveLength(1);
    expect(await applyGroupSyncMessage(deps, add(3, ['v1']))).toMatchObject({ resent: 1, added: 1 });
    expect(sorted(atMesibo())).toEqual([...addresses(0, 5), 'v1'].sort());
    expect(store.present('team')).toEqual(atMesibo());
    expect(store.metas.get('team')).toMatchObject({ memberCount: 6, intents: [] });
  });

  it('an edit mesibo refuses leaves the records as they were and no intent behind', async () => {
    await applyGroupSyncMessage(deps, upsert(1, addresses(0, 5)));
    mesibo.failOn = (op) => {
      if (op === 'groupeditmembers')
        throw new MesiboError({
          op,
          kind: 'api',
          error: 'BADVALUE',
          retryable: false,
          mayHaveApplied: false,
        });
    };
    await expect(applyGroupSyncMessage(deps, add(2, ['bad']))).rejects.toThrow(MesiboError);
    expect(store.metas.get('team')?.intents).toEqual([]);
    mesibo.failOn = () => {};
    const before = mesibo.count('groupeditmembers');
    await applyGroupSyncMessage(deps, add(3, ['v1']));
    expect(mesibo.count('groupeditmembers')).toBe(before + 1);
    expect(store.present('team')).toEqual(atMesibo());
  });

  it.each([
    ['after its members were recorded', 'members-recorded'],
    ['after mesibo applied it', 'edit-sent'],
  ] as const)(
    'an unconfirmed edit (killed %s) whose resend mesibo refuses is kept, never dropped (found by simulation seed 2)',
    async (_, point) => {
      await applyGroupSyncMessage(deps, upsert(1, ['a']));
      const m = add(2, ['b']);
      killAt(point);
      await expect(applyGroupSyncMessage(deps, m)).rejects.toThrow('killed');
      deps.checkpoint = undefined;
      expect(sorted(atMesibo())).toEqual(['a', 'b']);
      // The resend meets a refusal that certainly applied nothing this time; the first send did apply.
      let refusals = 1;
      mesibo.failOn = (op) => {
        if (op === 'groupeditmembers' && refusals-- > 0)
          throw new MesiboError({
            op,
            kind: 'http',
            error: 'HTTP_429',
            httpStatus: 429,
            retryable: false,
            mayHaveApplied: false,
          });
      };
      await expect(applyGroupSyncMessage(deps, remove(3, ['x']))).rejects.toThrow(MesiboError);
      expect(store.metas.get('team')?.intents).toHaveLength(1);
      // The next attempt settles it: records, count and mesibo agree.
      await applyGroupSyncMessage(deps, remove(3, ['x']));
      expect(store.present('team')).toEqual(atMesibo());
      expect(store.metas.get('team')).toMatchObject({ memberCount: 2, intents: [] });
    },
  );

  it('an ambiguous groupadd keeps the claim until the lease ends, then takes over and warns', async () => {
    const m = upsert(1, ['a']);
    mesibo.failOn = (op) => {
      if (op === 'groupadd')
        throw new MesiboError({ op, kind: 'timeout', error: 'TIMEOUT', retryable: false });
    };
    await expect(applyGroupSyncMessage(deps, m)).rejects.toThrow('TIMEOUT');
    expect(store.metas.get('team')?.creating).toEqual({
      attemptId: 'attempt-1',
      until: clock.now() + 60_000,
    });

    mesibo.failOn = () => {};
    await expect(applyGroupSyncMessage(deps, m)).rejects.toBeInstanceOf(GroupBusyError);
    clock.advance(60_001);
    expect(await applyGroupSyncMessage(deps, m)).toMatchObject({ status: 'applied', created: true });
    expect(logger.lines.find((l) => l.level === 'warn')).toMatchObject({
      attrs: { key: 'team', interruptedAttemptId: 'attempt-1' },
    });
  });

  it.each([
    ['result:false', { kind: 'api', error: 'BADVALUE' }],
    ['429', { kind: 'http', error: 'HTTP_429', httpStatus: 429 }],
    ['a refused connection', { kind: 'network', error: 'NETWORK' }],
  ] as const)(
    'a groupadd that certainly created nothing (%s) releases the claim: the retry creates at once',
    async (_, failure) => {
      const m = upsert(1, ['a']);
      let failed = false;
      mesibo.failOn = (op) => {
        if (op === 'groupadd' && !failed) {
          failed = true;
          throw new MesiboError({ op, ...failure, retryable: false, mayHaveApplied: false });
        }
      };
      await expect(applyGroupSyncMessage(deps, m)).rejects.toThrow(MesiboError);
      expect(store.metas.get('team')?.creating).toBeUndefined();
      expect(await applyGroupSyncMessage(deps, m)).toMatchObject({ status: 'applied', created: true });
      expect(mesibo.groups.size).toBe(1);
    },
  );

  it('deletes a group it could not record, so the retry leaves no orphan', async () => {
    store.recordGid = async () => {
      throw new Error('DynamoDB unavailable');
    };
    await expect(applyGroupSyncMessage(deps, upsert(1, ['a']))).rejects.toThrow('DynamoDB unavailable');
    expect(mesibo.calls.map((c) => c.op)).toEqual(['groupadd', 'groupdel']);
    expect(mesibo.groups.size).toBe(0);
  });

  it('finishes a delete interrupted after groupdel', async () => {
    await applyGroupSyncMessage(deps, upsert(1, ['a']));
    const m = del(2);
    killAt('edits-done');
    await expect(applyGroupSyncMessage(deps, m)).rejects.toThrow('killed');
    deps.checkpoint = undefined;
    expect(await applyGroupSyncMessage(deps, m)).toMatchObject({ status: 'applied', deleted: true });
    expect(store.metas.get('team')).toMatchObject({ deleted: true, versions: { delete: 2 } });
  });

  it('does not swallow a groupdel failure on a first attempt', async () => {
    await applyGroupSyncMessage(deps, upsert(1, ['a']));
    mesibo.groups.clear();
    const m = del(2);
    await expect(applyGroupSyncMessage(deps, m)).rejects.toThrow('BADVALUE');
    // The retry knows it started the delete.
    expect(await applyGroupSyncMessage(deps, m)).toMatchObject({ status: 'applied' });
  });
});
