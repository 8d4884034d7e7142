/**
 * Token route: the issue-user-token handler (in-process, API Gateway v2 events) on dynalite and the
 * emulator with injected latency, against the naive flow of mesibo's PHP sample (read the app token
 * and call useradd on every request, no cache) run on the same parts in the same run.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { LOCAL_AWS } from '../../local/dynamo';
import { jwtEvent, lambdaContext } from '../../local/harness/user-tokens/events';
import { SECRET_ID, startTokenHarness, type TokenHarness } from '../../local/harness/user-tokens/harness';
import { measureTokenPath } from '../../local/harness/user-tokens/measure';
import { createMesiboClient } from '../../shared/mesibo';
import { startDynaliteProcess } from '../lib/dynalite-process';
import { type BenchRow, type BenchSettings, vs } from '../lib/report';
import { median, percentile, round, timeInFlight, timeRuns } from '../lib/stats';

const CASE = 'token';

const request = async (harness: TokenHarness, sub: string, handler = harness.handler) => {
  const res = (await handler(
    jwtEvent({ method: 'POST', claims: { sub } }),
    lambdaContext(),
  )) as APIGatewayProxyStructuredResultV2;
  if (res.statusCode !== 200) throw new Error(`token request failed: ${res.statusCode} ${res.body}`);
};

const dynamoOps = (harness: TokenHarness) => [...harness.dynamoCalls.values()].reduce((a, b) => a + b, 0);

const useraddCount = async (harness: TokenHarness) =>
  (await harness.control.requests({ op: 'useradd' })).length;

/** What the PHP sample does per login: fetch the app token, then useradd, every time. */
const naiveFlow = (harness: TokenHarness) => {
  const secrets = new SecretsManagerClient({ endpoint: harness.secrets.endpoint, ...LOCAL_AWS });
  const mesibo = createMesiboClient({
    baseUrl: harness.emulator.backendUrl,
    style: 'json',
    appToken: async () => {
      const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
      const out = await secrets.send(new GetSecretValueCommand({ SecretId: SECRET_ID }));
      return out.SecretString ?? '';
    },
  });
  return {
    call: (address: string) =>
      mesibo.useradd({ address, token: { appid: 'com.example.app', expiryMinutes: 525_600 } }),
    close: async () => {
      await mesibo.close();
      secrets.destroy();
    },
  };
};

export const tokenCases = async (settings: BenchSettings): Promise<BenchRow[]> => {
  const latency = settings.mesiboLatencyMs;
  const runs = settings.quick ? 20 : 200;
  const users = settings.quick ? 20 : 100;
  const requests = users * 10;
  const dynamo = await startDynaliteProcess();
  const harness = await startTokenHarness({ logLevel: 'INFO', dynamo });
  const naive = naiveFlow(harness);
  const rows: BenchRow[] = [];
  try {
    await harness.control.addFault({ kind: 'latency', ms: latency });

    // Naive baseline: every request reads the secret and calls useradd.
    let n = 0;
    const naiveSamples = await timeRuns(() => naive.call(`naive-${n++}`), runs);
    const naiveP50 = median(naiveSamples);
    const naiveP99 = percentile(naiveSamples, 99);
    rows.push({ case: CASE, metric: 'naive baseline p50', value: round(naiveP50), unit: 'ms' });
    rows.push({ case: CASE, metric: 'naive baseline p99', value: round(naiveP99), unit: 'ms' });
    // The naive flow under the loads of (c) and (d): 50 at once for one address, and 10 in flight.
    const naiveCallsBefore = await useraddCount(harness);
    const naiveStarted = performance.now();
    await Promise.all(Array.from({ length: 50 }, () => naive.call('naive-stampede')));
    const naiveStampedeMs = performance.now() - naiveStarted;
    const naiveStampedeCalls = (await useraddCount(harness)) - naiveCallsBefore;
    const naiveInFlight = await timeInFlight(() => naive.call(`naive-${n++}`), runs, 10);
    const naiveInFlightP50 = median(naiveInFlight);
    const naiveInFlightP99 = percentile(naiveInFlight, 99);
    rows.push({
      case: CASE,
      metric: 'naive p50 at 10 in flight',
      value: round(naiveInFlightP50),
      unit: 'ms',
    });
    rows.push({
      case: CASE,
      metric: 'naive p99 at 10 in flight',
      value: round(naiveInFlightP99),
      unit: 'ms',
    });

    // Secrets Manager reads by the product over all its phases (the naive flow reads once per request).
    const readsBeforeProduct = harness.secrets.reads;
    let productRequests = 0;
    const counted = (sub: string) => {
      productRequests++;
      return request(harness, sub);
    };

    // (a) cache hit: one user, warm, then repeated requests.
    await counted('hit-user');
    const before = await useraddCount(harness);
    const hit = await timeRuns(() => counted('hit-user'), runs);
    const hitCalls = (await useraddCount(harness)) - before;
    rows.push(
      vs({ case: CASE, metric: '(a) cache hit p50', value: round(median(hit)), unit: 'ms' }, naiveP50),
    );
    rows.push(
      vs(
        { case: CASE, metric: '(a) cache hit p99', value: round(percentile(hit, 99)), unit: 'ms' },
        naiveP99,
      ),
    );
    rows.push({
      case: CASE,
      metric: '(a) mesibo calls per cache hit',
      value: hitCalls / (runs + 3),
      unit: 'calls',
    });

    // (b) cache miss: a new user every time.
    let m = 0;
    const missStart = await useraddCount(harness);
    const miss = await timeRuns(() => counted(`miss-${m++}`), runs);
    const missCalls = (await useraddCount(harness)) - missStart;
    rows.push(
      vs({ case: CASE, metric: '(b) cache miss p50', value: round(median(miss)), unit: 'ms' }, naiveP50),
    );
    rows.push(
      vs(
        { case: CASE, metric: '(b) cache miss p99', value: round(percentile(miss, 99)), unit: 'ms' },
        naiveP99,
      ),
    );
    rows.push({
      case: CASE,
      metric: '(b) mesibo calls per miss',
      value: missCalls / (runs + 3),
      unit: 'calls',
    });
    // One miss on its own: every DynamoDB call it makes is a sequential round trip.
    harness.dynamoCalls.clear();
    await counted(`miss-${m++}`);
    rows.push({
      case: CASE,
      metric: '(b) DynamoDB round trips per miss',
      value: dynamoOps(harness),
      unit: 'calls',
    });

    // (c) 50 concurrent first requests for one address; the naive flow makes 50 useradd calls.
    const c0 = await useraddCount(harness);
    harness.dynamoCalls.clear();
    const started = performance.now();
    await Promise.all(Array.from({ length: 50 }, () => counted('stampede-user')));
    rows.push(
      vs(
        {
          case: CASE,
          metric: '(c) 50 concurrent first requests: wall time',
          value: round(performance.now() - started),
          unit: 'ms',
        },
        naiveStampedeMs,
      ),
    );
    rows.push(
      vs(
        {
          case: CASE,
          metric: '(c) 50 concurrent first requests: useradd calls',
          value: (await useraddCount(harness)) - c0,
          unit: 'calls',
        },
        naiveStampedeCalls,
      ),
    );

    rows.push({
      case: CASE,
      metric: '(c) 50 concurrent first requests: DynamoDB operations, in one container',
      value: dynamoOps(harness),
      unit: 'calls',
    });
    // The same stampede spread over 50 containers (own handler each, one table): the cross-container lease.
    const containers = await Promise.all(Array.from({ length: 50 }, () => harness.container()));
    const c1 = await useraddCount(harness);
    harness.dynamoCalls.clear();
    const spreadStarted = performance.now();
    await Promise.all(containers.map((handler) => request(harness, 'stampede-spread', handler)));
    productRequests += 50;
    rows.push(
      vs(
        {
          case: CASE,
          metric: '(c) 50 concurrent first requests in 50 containers: wall time',
          value: round(performance.now() - spreadStarted),
          unit: 'ms',
        },
        naiveStampedeMs,
      ),
    );
    rows.push({
      case: CASE,
      metric: '(c) 50 concurrent first requests in 50 containers: useradd calls',
      value: (await useraddCount(harness)) - c1,
      unit: 'calls',
    });
    rows.push({
      case: CASE,
      metric: '(c) 50 concurrent first requests in 50 containers: DynamoDB operations',
      value: dynamoOps(harness),
      unit: 'calls',
    });

    // (d) 1,000 requests over 100 users, 10 in flight.
    const d = await measureTokenPath(harness, { users, requests, concurrency: 10, mesiboLatencyMs: latency });
    rows.push(
      vs(
        {
          case: CASE,
          metric: `(d) mesibo calls for ${requests} requests over ${users} users`,
          value: d.useradd,
          unit: 'calls',
        },
        requests,
      ),
    );
    productRequests += d.requests;
    rows.push(
      vs(
        {
          case: CASE,
          metric: `Secrets Manager reads for all ${productRequests} product requests`,
          value: harness.secrets.reads - readsBeforeProduct,
          unit: 'reads',
        },
        productRequests,
      ),
    );
    // Against the naive flow at the same 10 in flight: it has no hits, every request is a useradd.
    const dRow = (metric: string, value: number, naiveMs: number) =>
      rows.push(vs({ case: CASE, metric, value, unit: 'ms' }, naiveMs));
    dRow('(d) hit p50 at 10 in flight', d.latencyMs.hit.p50, naiveInFlightP50);
    dRow('(d) hit p99 at 10 in flight', d.latencyMs.hit.p99, naiveInFlightP99);
    dRow('(d) miss p50 at 10 in flight', d.latencyMs.miss.p50, naiveInFlightP50);
    dRow('(d) miss p99 at 10 in flight', d.latencyMs.miss.p99, naiveInFlightP99);
  } finally {
    await naive.close();
    await harness.close();
    await dynamo.close();
  }
  return rows;
};
