/**
 * Cold start: every function bundled as deployed (infra/bundling.ts), then a fresh `node` process
 * imports the bundle and serves one realistic request, then a second (warm) one, against local parts
 * (emulator, dynalite in its own process, the loopback AWS stub) reached over https, as on Lambda.
 * Measured on Node 24 (the Lambda runtime) and on the bench's own Node, each paired with the
 * function's SDK-only floors (bench/lib/floor.ts: the SDK as shipped, and tuned as the bundles tune
 * it) run right after it on the same Node, so the ratios to the floors hold under load.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SQSEvent } from 'aws-lambda';
import { build } from 'esbuild';
import { bundleOptions, ENTRY_FILE } from '../../infra/bundling';
import { createTables, LOCAL_AWS, type TableNames, uniqueTableNames } from '../../local/dynamo';
import { buildHttpEvent, type EventContext } from '../../local/gateway/event';
import { type AwsStub, type SentMessage, startAwsStub } from '../../local/harness/aws-stub';
import { bearerToken } from '../../local/harness/user-tokens/events';
import { startMesiboEmulator } from '../../local/mesibo-emulator/server';
import { LOCAL_SETTINGS } from '../../local/wiring';
import { type ResourceLocations, resourceEnvironment } from '../../shared/function-env';
import { type FunctionName, type FunctionSpec, functionSpecs } from '../../shared/functions';
import { type Route, routes } from '../../shared/routes';
import { onlySettingsOf } from '../../shared/settings';
import { signPayload } from '../../shared/webhook/signature';
import { loadedKiB, totalKiB } from '../lib/bundle-size';
import { startDynaliteProcess } from '../lib/dynalite-process';
import { bundleFloor, type FloorPlan, type FloorSdk, planOf } from '../lib/floor';
import { loopbackTls } from '../lib/loopback-tls';
import { benchRuntimes, type NodeRuntime } from '../lib/node-runtimes';
import { type RecordingProxy, startRecordingProxy } from '../lib/recording-proxy';
import type { BenchRow, BenchSettings, Measured } from '../lib/report';
import { median, round } from '../lib/stats';

const CASE = 'cold-start';
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const APP_TOKEN_SECRET = 'mesibo/app-token';
const WEBHOOK_SECRET_ID = 'mesibo/webhook';
const WEBHOOK_SECRET = 'whsec_bench_current_0001';

/**
 * Imports the bundle, serves the first event, then the warm one, and writes the timings (and the
 * epoch ms at which the warm request began, to tell its calls from the first one's) to a file.
 */
const CHILD = `
// Which bundle files load by the end of init and by the first response (Node 22.15+ has the hooks).
// Hooks slow every module load, so only runs that are not timed record them.
const loadedUrls = [];
if (process.env.BENCH_RECORD_LOADS) (await import('node:module')).registerHooks?.({
  load(url, context, nextLoad) { if (url.startsWith('file:')) loadedUrls.push(url); return nextLoad(url, context); },
});
const started = performance.now();
const mod = await import(process.argv[1]);
const imported = performance.now();
const initLoaded = loadedUrls.length;
const context = { functionName: 'bench', awsRequestId: crypto.randomUUID(), getRemainingTimeInMillis: () => 30000,
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench' };
const result = await mod.handler(JSON.parse(process.env.BENCH_EVENT), context);
const handled = performance.now();
const firstLoaded = loadedUrls.length;
const warmEpochMs = Date.now();
const warmResult = await mod.handler(JSON.parse(process.env.BENCH_WARM_EVENT), { ...context, awsRequestId: crypto.randomUUID() });
const warmed = performance.now();
const { writeFileSync } = await import('node:fs');
writeFileSync(process.env.BENCH_RESULT_FILE, JSON.stringify({
  importMs: imported - started, handleMs: handled - imported, warmMs: warmed - handled, warmEpochMs,
  maxRssKb: process.resourceUsage().maxRSS, result, warmResult,
  loaded: { init: loadedUrls.slice(0, initLoaded), firstResponse: loadedUrls.slice(0, firstLoaded) } }));
process.exit(0);
`;

interface ChildResult {
  wallMs: number;
  importMs: number;
  handleMs: number;
  warmMs: number;
  warmEpochMs: number;
  maxRssKb: number;
  result: unknown;
  warmResult: unknown;
  /** The bundle files loaded by the end of init and by the first response; empty where Node lacks the hooks. */
  loaded: { init: string[]; firstResponse: string[] };
}

const runNode = async (node: string, args: string[], env: Record<string, string>): Promise<number> => {
  const started = performance.now();
  const child = spawn(node, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const wallMs = performance.now() - started;
  if (code !== 0) throw new Error(`node ${args.at(-1)} exited with ${code}: ${stderr.slice(-2000)}`);
  return wallMs;
};

const baseEnv = (): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  NODE_OPTIONS: '--enable-source-maps',
  AWS_REGION: LOCAL_AWS.region,
  AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
  POWERTOOLS_LOG_LEVEL: 'INFO',
  POWERTOOLS_METRICS_NAMESPACE: 'MesiboServerless',
});

const sqsEvent = (queue: string, m: SentMessage): SQSEvent => ({
  Records: [
    {
      messageId: m.messageId,
      receiptHandle: randomUUID(),
      body: m.body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: '000000000000',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
        ...(m.groupId
          ? { SequenceNumber: '1', MessageGroupId: m.groupId, MessageDeduplicationId: m.deduplicationId }
          : {}),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queue}`,
      awsRegion: LOCAL_AWS.region,
    },
  ],
});

const httpEvent = (
  method: string,
  path: string,
  routePath: string,
  body: string | undefined,
  headers: Record<string, string>,
  authorizer?: EventContext['authorizer'],
) =>
  buildHttpEvent(
    {
      method,
      url: path,
      headers: { host: 'bench.local', 'content-type': 'application/json', ...headers },
      body: Buffer.from(body ?? ''),
      sourceIp: '127.0.0.1',
      protocol: 'HTTP/1.1',
    },
    {
      routeKey: `${method} ${routePath}`,
      pathParameters: null,
      accountId: '000000000000',
      ...(authorizer ? { authorizer } : {}),
    },
  );

const IAM = {
  iam: {
    accessKey: 'AKIDLOCAL',
    accountId: '000000000000',
    callerId: 'bench',
    cognitoIdentity: null,
    principalOrgId: null,
    userArn: 'arn:aws:iam::000000000000:user/bench',
    userId: 'bench',
  },
} as const;

/** Where a function's calls go: the recording proxies in front of dynalite, the AWS stub and mesibo. */
interface Endpoints {
  mesibo: string;
  dynamo: string;
  aws: string;
  /** The stub behind `aws`, which keeps the messages the functions sent. */
  stub: AwsStub;
}

/** The queues' names at the AWS proxy; a worker's events are what its queue received. */
const QUEUE_NAMES: Record<NonNullable<FunctionSpec['consumes']>, string> = {
  groupSyncQueue: 'group-sync.fifo',
  fanoutQueue: 'fanout',
};

/** A queue URL at the AWS proxy (the SQS client sends to the queue URL's host). */
const queueUrl = (endpoints: Endpoints, name: string) => `${endpoints.aws}/000000000000/${name}`;

const benchLocations = (endpoints: Endpoints, tables: TableNames): ResourceLocations => ({
  mesibo: { apiUrl: endpoints.mesibo, apiStyle: 'json' },
  appTokenSecretId: APP_TOKEN_SECRET,
  webhookSecretId: WEBHOOK_SECRET_ID,
  tables,
  queues: {
    groupSyncQueueUrl: queueUrl(endpoints, QUEUE_NAMES.groupSyncQueue),
    groupSyncMaxReceiveCount: 5,
    fanoutQueueUrl: queueUrl(endpoints, QUEUE_NAMES.fanoutQueue),
    fanoutDlqUrl: queueUrl(endpoints, 'fanout-dlq'),
  },
  scheduler: {
    groupName: 'mesibo-serverless',
    roleArn: 'arn:aws:iam::000000000000:role/scheduler',
    dlqArn: 'arn:aws:sqs:us-east-1:000000000000:scheduler-dlq',
  },
});

/** The route a function's cold start is measured on: the first with an example, or a plain GET. */
const benchRoute = (name: FunctionName): Route => {
  const route = routes.find(
    (r) => r.function === name && (r.example !== undefined || (r.method === 'GET' && !r.path.includes('{'))),
  );
  if (!route) throw new Error(`${name} has no route with an example request (shared/routes.ts)`);
  return route;
};

/** The caller each kind of route expects, as the gateway would present it. */
const caller = (
  route: Route,
  body: string,
): { headers: Record<string, string>; authorizer?: EventContext['authorizer'] } => {
  switch (route.auth) {
    case 'jwt':
      // The function reads the claim's type from the token the authorizer verified.
      return {
        headers: { authorization: bearerToken({ sub: 'cold-start-user' }) },
        authorizer: { jwt: { claims: { sub: 'cold-start-user' }, scopes: null } },
      };
    case 'iam':
      return { headers: {}, authorizer: IAM };
    case 'hmac':
      return {
        headers: { 'x-mesibo-signature': signPayload(WEBHOOK_SECRET, body, Math.floor(Date.now() / 1000)) },
      };
    case 'none':
      return { headers: {} };
  }
};

/**
 * Per function, from the catalogue and the route table alone: its environment (its resources' names
 * and the local defaults of its settings) and the request the child serves on run `i`. A worker's
 * event is the message its queue received on run `i` from the function that feeds it (listed before it).
 * The token route's first request is a cache miss that fills the cache; every measured one is a hit.
 */
const scenario = (
  spec: FunctionSpec,
  endpoints: Endpoints,
  tables: TableNames,
): { env: Record<string, string>; event(i: number): unknown; ok(result: unknown): boolean } => {
  const env = {
    ...(onlySettingsOf(spec.settings, LOCAL_SETTINGS) as Record<string, string>),
    ...resourceEnvironment(spec, benchLocations(endpoints, tables)),
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamo,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.aws,
  };
  if (spec.consumes) {
    const queue = QUEUE_NAMES[spec.consumes];
    return {
      env,
      event: (i) => sqsEvent(queue, endpoints.stub.sent(queue)[i]!),
      ok: (r) => ((r as { batchItemFailures?: unknown[] }).batchItemFailures ?? []).length === 0,
    };
  }
  const route = benchRoute(spec.name);
  return {
    env,
    event: (i) => {
      const body = route.example ? JSON.stringify(route.example(`cold-${i}`)) : undefined;
      const { headers, authorizer } = caller(route, body ?? '');
      return httpEvent(route.method, route.path, route.path, body, headers, authorizer);
    },
    ok: (r) => {
      const status = (r as { statusCode?: number }).statusCode ?? 0;
      return status >= 200 && status < 300;
    },
  };
};

/** One product run and the runs of its floors right after it, on one Node. */
interface Pair {
  product: ChildResult;
  floor: Record<FloorSdk, ChildResult>;
}

const pairedRatio = (
  pairs: readonly Pair[],
  pick: (r: ChildResult) => number,
  sdk: FloorSdk = 'as-shipped',
): Measured => {
  const value = round(median(pairs.map((p) => pick(p.product))));
  const baseline = round(median(pairs.map((p) => pick(p.floor[sdk]))), 3);
  const ratio = round(median(pairs.map((p) => pick(p.product) / Math.max(0.001, pick(p.floor[sdk])))), 3);
  return { value, baseline, ratio };
};

const FLOOR_SDKS: readonly FloorSdk[] = ['as-shipped', 'tuned'];

export const coldStartCases = async (
  settings: BenchSettings,
): Promise<{ rows: BenchRow[]; nodes: string[] }> => {
  const runs = settings.quick ? 1 : 7;
  // Quick mode (the harness test) measures Lambda's Node only.
  const runtimes = settings.quick ? benchRuntimes(root).slice(0, 1) : benchRuntimes(root);
  const dir = await mkdtemp(join(tmpdir(), 'mesibo-bench-'));
  const secrets = {
    [APP_TOKEN_SECRET]: '',
    [WEBHOOK_SECRET_ID]: JSON.stringify({ current: WEBHOOK_SECRET }),
  };
  const [emulator, dynamo] = await Promise.all([startMesiboEmulator({ port: 0 }), startDynaliteProcess()]);
  secrets[APP_TOKEN_SECRET] = emulator.appToken;
  // The floor's AWS calls go to a stub of their own, so its replayed sends never reach the queues
  // the workers' events are taken from.
  const [stub, floorStub, tls] = await Promise.all([
    startAwsStub(secrets),
    startAwsStub(secrets),
    loopbackTls(dir),
  ]);
  const proxies: RecordingProxy[] = await Promise.all([
    startRecordingProxy('dynamodb', dynamo.endpoint, tls),
    startRecordingProxy('aws', stub.endpoint, tls),
    startRecordingProxy('mesibo', emulator.url, tls),
    startRecordingProxy('aws', floorStub.endpoint, tls),
  ]);
  const [dynamoProxy, awsProxy, mesiboProxy, floorAwsProxy] = proxies as [
    RecordingProxy,
    RecordingProxy,
    RecordingProxy,
    RecordingProxy,
  ];
  const recorded = () => proxies.slice(0, 3).flatMap((p) => p.calls.splice(0));
  const tables = uniqueTableNames();
  await createTables(dynamo.client, tables);
  const rows: BenchRow[] = [];
  const byNode = (values: Measured[]): Measured & { second?: Measured } => ({
    ...values[0]!,
    ...(values[1] ? { second: values[1] } : {}),
  });
  try {
    const empty = await Promise.all(
      runtimes.map(async (node) => {
        const samples = [];
        for (let i = 0; i <= runs; i++) samples.push(await runNode(node.execPath, ['-e', '0'], baseEnv()));
        return { value: round(median(samples.slice(1))) };
      }),
    );
    rows.push({ case: CASE, metric: 'baseline: empty node -e 0', unit: 'ms', ...byNode(empty) });

    const endpoints: Endpoints = {
      mesibo: `${mesiboProxy.endpoint}${new URL(emulator.backendUrl).pathname}`,
      dynamo: dynamoProxy.endpoint,
      aws: awsProxy.endpoint,
      stub,
    };
    // The floor replays the product's calls with the product's endpoints swapped for its own stub's.
    const forFloor = (plan: FloorPlan): FloorPlan =>
      plan.map((wave) =>
        wave.map((c) => ({ ...c, body: c.body.replaceAll(awsProxy.endpoint, floorAwsProxy.endpoint) })),
      );
    for (const spec of functionSpecs) {
      const { env: scenarioEnv, event, ok } = scenario(spec, endpoints, tables);
      const { metafile } = await build({
        ...bundleOptions({ entry: spec.entry, outdir: join(dir, spec.name), root }),
        metafile: true,
      });
      const file = join(dir, spec.name, ENTRY_FILE);
      const floorFile = (sdk: FloorSdk) => join(dir, `${spec.name}-floor-${sdk}`, ENTRY_FILE);
      let events = 0;

      const product = async (node: NodeRuntime, tag: string, recordLoads = false) => {
        const resultFile = join(dir, `${spec.name}-${tag}.json`);
        const env = {
          ...baseEnv(),
          NODE_EXTRA_CA_CERTS: tls.certFile,
          ...scenarioEnv,
          POWERTOOLS_SERVICE_NAME: spec.name,
          BENCH_EVENT: JSON.stringify(event(events++)),
          BENCH_WARM_EVENT: JSON.stringify(event(events++)),
          BENCH_RESULT_FILE: resultFile,
          ...(recordLoads ? { BENCH_RECORD_LOADS: '1' } : {}),
        };
        recorded();
        const wallMs = await runNode(node.execPath, ['--input-type=module', '-e', CHILD, file], env);
        const child = JSON.parse(await readFile(resultFile, 'utf8')) as Omit<ChildResult, 'wallMs'>;
        for (const r of [child.result, child.warmResult]) {
          if (!ok(r)) throw new Error(`${spec.name} did not serve its request: ${JSON.stringify(r)}`);
        }
        const calls = recorded();
        const plans = [
          planOf(calls.filter((c) => c.startedAt < child.warmEpochMs)),
          planOf(calls.filter((c) => c.startedAt >= child.warmEpochMs)),
        ].map(forFloor);
        return { result: { wallMs, ...child }, plans };
      };

      const floor = async (
        sdk: FloorSdk,
        node: NodeRuntime,
        tag: string,
        plans: FloorPlan[],
        recordLoads = false,
      ) => {
        const resultFile = join(dir, `${spec.name}-${tag}-floor-${sdk}.json`);
        const planFile = join(dir, `${spec.name}-${tag}-plan.json`);
        await writeFile(planFile, JSON.stringify(plans), { mode: 0o600 });
        const env = {
          ...baseEnv(),
          NODE_EXTRA_CA_CERTS: tls.certFile,
          AWS_ENDPOINT_URL_DYNAMODB: dynamoProxy.endpoint,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: floorAwsProxy.endpoint,
          BENCH_FLOOR_MESIBO_URL: mesiboProxy.endpoint,
          BENCH_FLOOR_PLAN: planFile,
          BENCH_EVENT: '{}',
          BENCH_WARM_EVENT: '{}',
          BENCH_RESULT_FILE: resultFile,
          ...(recordLoads ? { BENCH_RECORD_LOADS: '1' } : {}),
        };
        const wallMs = await runNode(
          node.execPath,
          ['--input-type=module', '-e', CHILD, floorFile(sdk)],
          env,
        );
        recorded();
        floorAwsProxy.calls.length = 0;
        const child = JSON.parse(await readFile(resultFile, 'utf8')) as Omit<ChildResult, 'wallMs'>;
        await rm(planFile, { force: true });
        return { wallMs, ...child };
      };

      const perNode: Pair[][] = [];
      /** From one untimed pair on Lambda's Node (the first runtime) that records what it loaded. */
      let loads: { moment: string; value: number; baseline: number }[] | undefined;
      for (const node of runtimes) {
        const pairs: Pair[] = [];
        for (let i = 0; i <= runs; i++) {
          const tag = `${node.version}-${i}`;
          const ran = await product(node, tag);
          // The first run only warms the disk cache (and, for the token route, fills the user cache).
          if (i === 0) continue;
          if (pairs.length === 0) {
            // Built from a measured run's calls, so it carries no client only the warm-up needed.
            for (const sdk of FLOOR_SDKS) {
              await bundleFloor(ran.plans, dirname(floorFile(sdk)), root, sdk);
              await floor(sdk, node, `${tag}-warmup`, ran.plans);
            }
          }
          const asShipped = await floor('as-shipped', node, tag, ran.plans);
          pairs.push({
            product: ran.result,
            floor: { 'as-shipped': asShipped, tuned: await floor('tuned', node, tag, ran.plans) },
          });
          if (!loads) {
            // After the timed pair, so nothing runs between a product run and its floor; sized at
            // once, because the next runtime rebuilds the floor's files.
            const sampled = (await product(node, `${tag}-loads`, true)).result;
            const sampledFloor = await floor('as-shipped', node, `${tag}-loads`, ran.plans, true);
            loads = (
              [
                ['the end of init', 'init'],
                ['the first response', 'firstResponse'],
              ] as const
            ).flatMap(([moment, key]) =>
              sampled.loaded[key].length === 0
                ? []
                : [
                    {
                      moment,
                      value: loadedKiB(sampled.loaded[key]),
                      baseline: loadedKiB(sampledFloor.loaded[key]),
                    },
                  ],
            );
          }
        }
        perNode.push(pairs);
      }

      const row = (metric: string, unit: string, values: Measured[]) =>
        rows.push({ case: CASE, metric: `${spec.name}: ${metric}`, unit, ...byNode(values) });
      const plain = (pick: (r: ChildResult) => number) =>
        perNode.map((pairs) => ({ value: round(median(pairs.map((p) => pick(p.product)))) }));
      row('bundle size, all chunks', 'KiB', [{ value: totalKiB(metafile) }]);

      for (const { moment, value, baseline } of loads ?? []) {
        row(`bundle size loaded by ${moment}, vs the floor`, 'KiB', [
          { value, baseline, ratio: round(value / Math.max(0.1, baseline), 3) },
        ]);
      }
      row(
        'fresh process to first response, vs its SDK-only floor',
        'ms',
        perNode.map((pairs) => pairedRatio(pairs, (r) => r.wallMs)),
      );
      row(
        'fresh process to first response, vs the floor with the same SDK tuning',
        'ms',
        perNode.map((pairs) => pairedRatio(pairs, (r) => r.wallMs, 'tuned')),
      );
      row(
        'import of the bundle, vs the floor',
        'ms',
        perNode.map((pairs) => pairedRatio(pairs, (r) => r.importMs)),
      );
      row(
        'import of the bundle, vs the floor with the same SDK tuning',
        'ms',
        perNode.map((pairs) => pairedRatio(pairs, (r) => r.importMs, 'tuned')),
      );
      row(
        'first request, vs the floor',
        'ms',
        perNode.map((pairs) => pairedRatio(pairs, (r) => r.handleMs)),
      );
      row(
        'warm request, vs the floor',
        'ms',
        perNode.map((pairs) => pairedRatio(pairs, (r) => r.warmMs)),
      );
      row(
        'peak RSS',
        'MB',
        plain((r) => round(r.maxRssKb / 1024, 1)),
      );
    }
  } finally {
    await Promise.all([emulator.close(), dynamo.close(), stub.close(), floorStub.close()]);
    await Promise.all(proxies.map((p) => p.close()));
    await rm(dir, { recursive: true, force: true });
  }
  return { rows, nodes: runtimes.map((r) => r.version) };
};
