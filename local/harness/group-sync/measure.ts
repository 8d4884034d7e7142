/**
 * Group-sync figures, reusable by the benchmarks: mesibo calls and wall time through the whole path
 * (signed webhook → route → queue → worker → emulator over HTTP, state in dynalite) for a large
 * initial upsert, a one-member change in it and a churn, plus the in-process diff time for a very
 * large group. Wall times include dynalite, which is much slower than DynamoDB; the call counts are
 * the budget that matters (mesibo calls proportional to the change).
 */
import { performance } from 'node:perf_hooks';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { groupPk } from '../../../shared/group-sync/dynamo-state';
import { ALL_RIGHTS, planEdits } from '../../../shared/group-sync/members';
import { type MemberRecords, planMembers } from '../../../shared/group-sync/ordering';
import { type GroupSyncHarness, startGroupSyncHarness } from './harness';

export interface SyncFigure {
  /** Member additions/removals the event implied. */
  changed: number;
  /** mesibo requests by op (every request the emulator received, failed ones included). */
  mesiboCalls: Record<string, number>;
  /** Route + worker, end to end. */
  wallMs: number;
  /** The webhook route alone: verify, validate, record the delivery, enqueue. */
  routeMs: number;
}

export interface GroupSyncFigures {
  groupSize: number;
  chunkSize: number;
  initialUpsert: SyncFigure;
  oneMemberChange: SyncFigure;
  churn: SyncFigure & { joined: number; left: number };
  /** The naive way to apply any change: re-add every member of the group, chunk by chunk. */
  naiveReAdd: { members: number; mesiboCalls: number; wallMs: number };
  /** A one-member add to a group of `members` (seeded straight into the table): items the worker read. */
  largeGroupDelta?: { members: number; itemsRead: number; mesiboCalls: Record<string, number> };
  /** `firstRunMs`: the first (cold, unoptimised) diff; `diffMs`/`planMs`: medians of the runs after it. */
  diff: {
    members: number;
    changed: number;
    firstRunMs: number;
    diffMs: number;
    planMs: number;
    runs: number;
  };
}

export interface MeasureOptions {
  /** Members of the synced group (default 10,000). */
  groupSize?: number;
  /** Members that leave and as many that join in the churn step (default 500 + 500 = 1,000 changes). */
  churnHalf?: number;
  /** Members of the in-process diff (default 100,000). */
  diffMembers?: number;
  chunkSize?: number;
  /** Runs of the in-process diff after the first; their median is reported (default 5). */
  diffRuns?: number;
  /** Latency the emulator adds to every mesibo call, ms (default 0). */
  mesiboLatencyMs?: number;
  /** Members of the group the one-member delta's reads are counted in (default: not measured). */
  largeGroupMembers?: number;
}

const addresses = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `member${from + i}`);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** Counts the emulator's requests by op. */
const callsByOp = async (h: GroupSyncHarness): Promise<Record<string, number>> => {
  const counts: Record<string, number> = {};
  for (const r of await h.control.requests()) counts[r.op] = (counts[r.op] ?? 0) + 1;
  return counts;
};

const delta = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(after)
      .map(([op, n]) => [op, n - (before[op] ?? 0)] as const)
      .filter(([, n]) => n > 0),
  );

export const measureGroupSync = async (options: MeasureOptions = {}): Promise<GroupSyncFigures> => {
  const groupSize = options.groupSize ?? 10_000;
  const churnHalf = options.churnHalf ?? 500;
  const chunkSize = options.chunkSize ?? 100;
  const h = await startGroupSyncHarness({
    chunkSize,
    maxMembers: Math.max(20_000, groupSize + churnHalf, (options.largeGroupMembers ?? 0) + 1),
  });
  if (options.mesiboLatencyMs) await h.control.addFault({ kind: 'latency', ms: options.mesiboLatencyMs });
  let version = 0;
  let delivery = 0;

  const step = async (members: string[], changed: number): Promise<SyncFigure> => {
    const before = await callsByOp(h);
    const started = performance.now();
    const response = await h.post({
      body: {
        id: `measure-${++delivery}`,
        type: 'group.upsert',
        group: {
          key: 'measured',
          name: 'Measured',
          version: ++version,
          members: members.map((address) => ({ address })),
        },
      },
    });
    if (response.status !== 202) throw new Error(`webhook refused: ${JSON.stringify(response.body)}`);
    const routeMs = performance.now() - started;
    await h.drain();
    const wallMs = performance.now() - started;
    if (h.queue.pending.length) throw new Error('the worker did not apply the measured event');
    return { changed, mesiboCalls: delta(await callsByOp(h), before), wallMs, routeMs };
  };

  try {
    const initial = addresses(0, groupSize);
    const initialUpsert = await step(initial, groupSize);
    const plusOne = [...initial, `member${groupSize}`];
    const oneMemberChange = await step(plusOne, 1);
    const churned = [...plusOne.slice(churnHalf), ...addresses(groupSize + 1, groupSize + 1 + churnHalf)];
    const churn = { ...(await step(churned, 2 * churnHalf)), joined: churnHalf, left: churnHalf };
    const naiveReAdd = await reAddAll(h, plusOne, chunkSize);
    const largeGroupDelta = options.largeGroupMembers
      ? await deltaInLargeGroup(h, options.largeGroupMembers)
      : undefined;
    return {
      groupSize,
      chunkSize,
      initialUpsert,
      oneMemberChange,
      churn,
      naiveReAdd,
      ...(largeGroupDelta ? { largeGroupDelta } : {}),
      diff: measureDiff(options.diffMembers ?? 100_000, chunkSize, options.diffRuns ?? 5),
    };
  } finally {
    await h.close();
  }
};

/** The baseline: what a sync without stored state must do for any change, to a group of its own. */
const reAddAll = async (h: GroupSyncHarness, members: string[], chunkSize: number) => {
  const { gid } = await h.mesibo.groupadd({ name: 'naive' });
  const started = performance.now();
  let calls = 0;
  for (let i = 0; i < members.length; i += chunkSize) {
    await h.mesibo.groupeditmembers({ gid, addresses: members.slice(i, i + chunkSize) });
    calls++;
  }
  return { members: members.length, mesiboCalls: calls, wallMs: performance.now() - started };
};

/**
 * Items read by a one-member add to a group of `members`. The group is seeded straight into the table
 * (a real mesibo group, its meta and one item per member), so only the delta goes through the path.
 */
const deltaInLargeGroup = async (h: GroupSyncHarness, members: number) => {
  const key = 'large';
  const { gid } = await h.mesibo.groupadd({ name: 'large' });
  await h.state.writeMembers(key, {
    puts: addresses(0, members).map((address) => ({
      address,
      record: { mask: ALL_RIGHTS, version: 1, present: true },
    })),
  });
  await h.dynamo.doc.send(
    new PutCommand({
      TableName: h.tables.groupsTable,
      Item: {
        pk: groupPk(key),
        sk: 'meta',
        key,
        gid,
        upsertVersion: 1,
        createVersion: 1,
        memberCount: members,
      },
    }),
  );
  const before = await callsByOp(h);
  const readBefore = h.workerReads.items;
  const response = await h.post({
    body: {
      id: 'large-delta',
      type: 'group.members.add',
      group: { key, version: 2, members: [{ address: 'joiner' }] },
    },
  });
  if (response.status !== 202) throw new Error(`webhook refused: ${JSON.stringify(response.body)}`);
  await h.drain();
  if (h.queue.pending.length) throw new Error('the worker did not apply the large-group delta');
  return {
    members,
    itemsRead: h.workerReads.items - readBefore,
    mesiboCalls: delta(await callsByOp(h), before),
  };
};

/** The worker's in-process cost for a large group: plan an upsert against its records (1% changed). */
export const measureDiff = (members: number, chunkSize: number, runs: number): GroupSyncFigures['diff'] => {
  const records: MemberRecords = new Map(
    addresses(0, members).map((a) => [a, { mask: ALL_RIGHTS, version: 1, present: true }]),
  );
  const changedEach = Math.max(1, Math.floor(members / 200));
  // 0.5% leave, 0.5% join: 1% of the members change.
  const desired = [...addresses(changedEach, members), ...addresses(members, members + changedEach)];
  const event = {
    type: 'group.upsert' as const,
    group: { key: 'diff', version: 2, members: desired.map((address) => ({ address })) },
  };
  const diffTimes: number[] = [];
  const planTimes: number[] = [];
  let changed = 0;
  for (let run = 0; run <= runs; run++) {
    const t0 = performance.now();
    const plan = planMembers(event, records);
    const t1 = performance.now();
    planEdits(plan.change, chunkSize);
    planTimes.push(performance.now() - t1);
    diffTimes.push(t1 - t0);
    changed = plan.change.upserts.length + plan.change.removes.length;
  }
  const [firstRunMs = 0, ...warm] = diffTimes;
  return { members, changed, firstRunMs, diffMs: median(warm), planMs: median(planTimes.slice(1)), runs };
};

/** A printable table of the figures. */
export const formatGroupSyncFigures = (f: GroupSyncFigures): string => {
  const calls = (c: Record<string, number>) =>
    Object.entries(c)
      .map(([op, n]) => `${op} ${n}`)
      .join(', ');
  const row = (label: string, s: SyncFigure) =>
    `${label.padEnd(30)} ${String(s.changed).padStart(6)} changes  ${calls(s.mesiboCalls).padEnd(36)} ` +
    `${s.wallMs.toFixed(0).padStart(6)} ms (route ${s.routeMs.toFixed(0)} ms)`;
  return [
    `group sync, ${f.groupSize} members, ${f.chunkSize} addresses per groupeditmembers`,
    row(`initial upsert (${f.groupSize})`, f.initialUpsert),
    row('one-member change', f.oneMemberChange),
    row(`churn (${f.churn.left} leave, ${f.churn.joined} join)`, f.churn),
    `naive full re-add (${f.naiveReAdd.members})      groupeditmembers ${f.naiveReAdd.mesiboCalls}, ${f.naiveReAdd.wallMs.toFixed(0)} ms`,
    ...(f.largeGroupDelta
      ? [
          `one-member add to ${f.largeGroupDelta.members} members: ${f.largeGroupDelta.itemsRead} items read, ${calls(f.largeGroupDelta.mesiboCalls)}`,
        ]
      : []),
    `in-process diff of ${f.diff.members} members (${f.diff.changed} changed): first run ${f.diff.firstRunMs.toFixed(1)} ms; ` +
      `then diff ${f.diff.diffMs.toFixed(1)} ms, plan ${f.diff.planMs.toFixed(2)} ms (median of ${f.diff.runs})`,
  ].join('\n');
};
