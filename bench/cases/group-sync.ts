/**
 * Group sync: the whole path (signed webhook → route → queue → worker → emulator, state in dynalite)
 * for a large initial upsert (with its ratio to a naive full re-add of every member), a one-member
 * change and a churn; the items a one-member add reads in a 100,000-member group; and the worker's
 * in-process plan for a very large group.
 */
import { measureGroupSync } from '../../local/harness/group-sync/measure';
import { type BenchRow, type BenchSettings, vs } from '../lib/report';
import { round } from '../lib/stats';

const CASE = 'group-sync';

const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);

export const groupSyncCases = async (settings: BenchSettings): Promise<BenchRow[]> => {
  const groupSize = settings.quick ? 1_000 : 10_000;
  const churnHalf = settings.quick ? 50 : 500;
  const f = await measureGroupSync({
    groupSize,
    churnHalf,
    diffMembers: settings.quick ? 10_000 : 100_000,
    largeGroupMembers: settings.quick ? 10_000 : 100_000,
    mesiboLatencyMs: settings.mesiboLatencyMs,
  });
  const large = f.largeGroupDelta;
  const naive = f.naiveReAdd;
  const rows: BenchRow[] = [
    {
      case: CASE,
      metric: `naive full re-add of ${naive.members}: mesibo calls`,
      value: naive.mesiboCalls,
      unit: 'calls',
    },
    {
      case: CASE,
      metric: `naive full re-add of ${naive.members}: wall time`,
      value: round(naive.wallMs),
      unit: 'ms',
    },
    {
      case: CASE,
      metric: `initial upsert of ${groupSize}: mesibo calls`,
      value: total(f.initialUpsert.mesiboCalls),
      unit: 'calls',
    },
    // The ratio to the naive re-add of the same members, measured in the same run.
    vs(
      {
        case: CASE,
        metric: `initial upsert of ${groupSize}: wall time`,
        value: round(f.initialUpsert.wallMs),
        unit: 'ms',
      },
      naive.wallMs,
    ),
    vs(
      {
        case: CASE,
        metric: 'one-member change: mesibo calls',
        value: total(f.oneMemberChange.mesiboCalls),
        unit: 'calls',
      },
      naive.mesiboCalls,
    ),
    vs(
      {
        case: CASE,
        metric: 'one-member change: wall time',
        value: round(f.oneMemberChange.wallMs),
        unit: 'ms',
      },
      naive.wallMs,
    ),
    vs(
      {
        case: CASE,
        metric: `churn of ${2 * churnHalf}: mesibo calls`,
        value: total(f.churn.mesiboCalls),
        unit: 'calls',
      },
      naive.mesiboCalls,
    ),
    vs(
      {
        case: CASE,
        metric: `churn of ${2 * churnHalf}: wall time`,
        value: round(f.churn.wallMs),
        unit: 'ms',
      },
      naive.wallMs,
    ),
    ...(large
      ? [
          {
            case: CASE,
            metric: `one-member add to a ${large.members}-member group: DynamoDB items read by the worker`,
            value: large.itemsRead,
            unit: 'items',
          },
          {
            case: CASE,
            metric: `one-member add to a ${large.members}-member group: mesibo calls`,
            value: total(large.mesiboCalls),
            unit: 'calls',
          },
        ]
      : []),
    {
      case: CASE,
      metric: 'webhook route alone (verify, record, enqueue), one-member change',
      value: round(f.oneMemberChange.routeMs),
      unit: 'ms',
    },
    {
      case: CASE,
      metric: `in-process diff of ${f.diff.members} (${f.diff.changed} changed), median`,
      value: round(f.diff.diffMs),
      unit: 'ms',
    },
    {
      case: CASE,
      metric: `in-process diff of ${f.diff.members}, first run`,
      value: round(f.diff.firstRunMs),
      unit: 'ms',
    },
  ];
  return rows;
};
