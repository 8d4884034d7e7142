import { describe, expect, it } from 'vitest';
import { planOf } from '../../../bench/lib/floor';
import type { RecordedCall } from '../../../bench/lib/recording-proxy';
import { type BenchResults, type GroupRun, mergeResults } from '../../../bench/lib/report';

const run = (startedAt: string): GroupRun => ({
  startedAt,
  durationSeconds: 1,
  settings: { mesiboLatencyMs: 50, quick: false },
  nodes: ['v24.0.0'],
  load: { before: 1, after: 1 },
});

describe('bench results: --only keeps the other groups', () => {
  const previous: BenchResults = {
    startedAt: '2026-01-01T00:00:00.000Z',
    machine: { cpu: 'x', cores: 2, memoryGb: 1, platform: 'linux x64' },
    runs: { 'cold-start': run('old'), token: run('old') },
    cases: [
      { case: 'cold-start', metric: 'a', value: 1, unit: 'ms' },
      { case: 'token', metric: 'b', value: 2, unit: 'ms' },
    ],
  };

  it('replaces only the rows and run of the groups that ran, in the groups order', () => {
    const merged = mergeResults(
      previous,
      {
        startedAt: new Date('2026-02-01T00:00:00Z'),
        runs: { token: run('new') },
        rows: [{ case: 'token', metric: 'b', value: 3, unit: 'ms' }],
      },
      ['cold-start', 'token', 'fanout'],
    );
    expect(merged.cases).toEqual([
      { case: 'cold-start', metric: 'a', value: 1, unit: 'ms' },
      { case: 'token', metric: 'b', value: 3, unit: 'ms' },
    ]);
    expect(Object.keys(merged.runs)).toEqual(['cold-start', 'token']);
    expect(merged.runs.token?.startedAt).toBe('new');
    expect(merged.runs['cold-start']?.startedAt).toBe('old');
  });

  it('starts afresh without a previous results file', () => {
    const merged = mergeResults(undefined, { startedAt: new Date(), runs: { token: run('new') }, rows: [] }, [
      'cold-start',
      'token',
    ]);
    expect(Object.keys(merged.runs)).toEqual(['token']);
  });
});

describe('SDK-only floor plan', () => {
  const call = (target: string, startedAt: number, endedAt: number): RecordedCall => ({
    upstream: 'dynamodb',
    method: 'POST',
    path: '/',
    target,
    body: '{}',
    startedAt,
    endedAt,
  });

  it('replays calls that overlapped together, and the ones after them in order', () => {
    const plan = planOf([
      call('DynamoDB_20120810.PutItem', 30, 40),
      call('DynamoDB_20120810.GetItem', 0, 10),
      call('secretsmanager.GetSecretValue', 5, 20),
    ]);
    expect(plan.map((wave) => wave.map((c) => c.target))).toEqual([
      ['DynamoDB_20120810.GetItem', 'secretsmanager.GetSecretValue'],
      ['DynamoDB_20120810.PutItem'],
    ]);
  });

  it('refuses an AWS call it cannot replay rather than leave it out of the floor', () => {
    expect(() => planOf([{ ...call('x', 0, 1), upstream: 'aws', target: undefined }])).toThrow(
      /cannot replay/,
    );
  });
});
