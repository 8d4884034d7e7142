/**
 * Measures the token path against a running harness: mesibo calls per N token requests spread over
 * distinct users, and handler latency on cache hits versus misses with latency injected at mesibo.
 * Reusable by the benchmarks: start a harness, call `measureTokenPath`, close the harness.
 */
import { performance } from 'node:perf_hooks';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { jwtEvent, lambdaContext } from './events';
import type { TokenHarness } from './harness';

export interface MeasureOptions {
  /** Distinct end users (default 100). */
  users?: number;
  /** Token requests in total, at least `users` (default 1000). The first one per user is a miss. */
  requests?: number;
  /** Requests in flight at once (default 10). */
  concurrency?: number;
  /** Latency added to every mesibo call by the emulator, ms (default 50). */
  mesiboLatencyMs?: number;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface TokenPathMeasurement {
  users: number;
  requests: number;
  /** useradd calls mesibo received. */
  useradd: number;
  mesiboCallsPer1000Requests: number;
  secretsManagerReads: number;
  /** DynamoDB operations per request, by command, over the cache-hit phase only. */
  dynamoPerHit: Record<string, number>;
  latencyMs: { hit: LatencySummary; miss: LatencySummary };
}

const summarize = (samples: number[]): LatencySummary => {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return { count: sorted.length, p50: round(rank(50)), p99: round(rank(99)), max: round(sorted.at(-1) ?? 0) };
};

/** Runs `work` over `items` with at most `concurrency` in flight. */
const pool = async <T>(items: T[], concurrency: number, work: (item: T) => Promise<void>) => {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
};

export const measureTokenPath = async (
  harness: TokenHarness,
  options: MeasureOptions = {},
): Promise<TokenPathMeasurement> => {
  const users = options.users ?? 100;
  const requests = Math.max(options.requests ?? 1000, users);
  const concurrency = options.concurrency ?? 10;
  const run = `m${Date.now().toString(36)}`;
  const subs = Array.from({ length: users }, (_, i) => `${run}-user-${i}`);

  await harness.control.reset();
  await harness.control.addFault({ kind: 'latency', ms: options.mesiboLatencyMs ?? 50 });
  const secretReadsBefore = harness.secrets.reads;

  const timed = async (sub: string, into: number[]) => {
    const started = performance.now();
    const res = (await harness.handler(
      jwtEvent({ method: 'POST', claims: { sub } }),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;
    into.push(performance.now() - started);
    if (res.statusCode !== 200) throw new Error(`token request failed with ${res.statusCode}: ${res.body}`);
  };

  const miss: number[] = [];
  await pool(subs, concurrency, (sub) => timed(sub, miss));
  const useraddAfterMisses = (await harness.control.requests({ op: 'useradd' })).length;

  const hit: number[] = [];
  harness.dynamoCalls.clear();
  const repeats = Array.from({ length: requests - users }, (_, i) => subs[i % users] as string);
  await pool(repeats, concurrency, (sub) => timed(sub, hit));
  const dynamoPerHit = Object.fromEntries(
    [...harness.dynamoCalls].map(([command, n]) => [command, repeats.length ? n / repeats.length : 0]),
  );

  await harness.control.clearFaults();
  const useradd = (await harness.control.requests({ op: 'useradd' })).length;
  if (useradd < useraddAfterMisses)
    throw new Error('the emulator request log was reset during the measurement');
  return {
    users,
    requests,
    useradd,
    mesiboCallsPer1000Requests: (useradd / requests) * 1000,
    secretsManagerReads: harness.secrets.reads - secretReadsBefore,
    dynamoPerHit,
    latencyMs: { hit: summarize(hit), miss: summarize(miss) },
  };
};
