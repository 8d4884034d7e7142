/**
 * `npm run bench -- --quick` end to end: every case group runs, results.json and the markdown report
 * are written, and the call-count budgets hold. Times are not asserted (shared, noisy machines).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResults, BenchRow } from '../../../bench/lib/report';

const run = promisify(execFile);

describe('npm run bench -- --quick', () => {
  let dir: string;
  let rows: BenchRow[];
  let markdown: string;
  let nodes: string[];
  const value = (group: string, metric: string) => {
    const row = rows.find((r) => r.case === group && r.metric.startsWith(metric));
    if (!row) throw new Error(`no ${group} row starting with "${metric}"`);
    return row.value;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-test-'));
    const out = join(dir, 'results.json');
    const docs = join(dir, 'BENCHMARKS.md');
    await run('npx', ['tsx', 'bench/run.ts', '--quick', '--out', out, '--docs', docs], {
      env: { ...process.env, BENCH_MESIBO_LATENCY_MS: '5' },
      maxBuffer: 10 * 1024 * 1024,
    });
    const results = JSON.parse(await readFile(out, 'utf8')) as BenchResults;
    for (const run of Object.values(results.runs)) {
      expect(run.settings).toEqual({ mesiboLatencyMs: 5, quick: true });
      expect(run.load.before).toBeGreaterThanOrEqual(0);
    }
    nodes = results.runs['cold-start']?.nodes ?? [];
    rows = results.cases;
    markdown = await readFile(docs, 'utf8');
  }, 300_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs every case group', () => {
    expect(new Set(rows.map((r) => r.case))).toEqual(
      new Set(['cold-start', 'token', 'group-sync', 'fanout']),
    );
    expect(markdown).toContain('| token | (a) cache hit p50 |');
  });

  it("measures cold starts on Node 24, the Lambda runtime, against each function's SDK-only floor", () => {
    expect(nodes[0]).toMatch(/^v24\./);
    const floors = rows.filter(
      (r) => r.case === 'cold-start' && r.metric.includes('floor') && r.ratio !== undefined,
    );
    expect(floors.length).toBeGreaterThanOrEqual(6);
    for (const r of floors) expect(r.ratio).toBeGreaterThan(0);
    // Each function against the SDK as shipped (its goal) and against the SDK tuned as it is tuned.
    for (const spec of ['issue-user-token', 'send-system-message-worker', 'health']) {
      for (const floor of ['its SDK-only floor', 'the floor with the same SDK tuning']) {
        const metric = `${spec}: fresh process to first response, vs ${floor}`;
        expect(rows.find((r) => r.metric === metric)?.ratio, metric).toBeGreaterThan(0);
      }
    }
  });

  it('serves one request from every function bundle', () => {
    for (const fn of [
      'issue-user-token',
      'sync-group',
      'sync-group-worker',
      'send-system-message',
      'health',
    ]) {
      expect(value('cold-start', `${fn}: bundle size`)).toBeGreaterThan(0);
      // Node 24's module hooks report the files a cold start loaded.
      expect(value('cold-start', `${fn}: bundle size loaded by the first response`)).toBeGreaterThan(0);
    }
  });

  it('keeps the token budgets: no mesibo call on a hit, one useradd for 50 concurrent first requests', () => {
    expect(value('token', '(a) mesibo calls per cache hit')).toBe(0);
    expect(value('token', '(b) mesibo calls per miss')).toBe(1);
    expect(value('token', '(c) 50 concurrent first requests: useradd calls')).toBe(1);
    expect(value('token', '(c) 50 concurrent first requests in 50 containers: useradd calls')).toBe(1);
    expect(value('token', '(b) DynamoDB round trips per miss')).toBe(3);
    expect(value('token', '(c) 50 concurrent first requests: DynamoDB operations')).toBeLessThanOrEqual(60);
    expect(value('token', '(d) mesibo calls for 200 requests over 20 users')).toBe(20);
  });

  it('keeps the group-sync budget: calls follow the change, not the group size', () => {
    expect(value('group-sync', 'one-member change: mesibo calls')).toBe(1);
    expect(value('group-sync', 'churn of 100: mesibo calls')).toBe(2);
  });

  it('fans out with one call per batch and reaches everyone once', () => {
    expect(value('fanout', 'recipients reached exactly once')).toBe(1000);
    expect(value('fanout', 'mesibo calls for 1000 users')).toBe(21);
  });
});
