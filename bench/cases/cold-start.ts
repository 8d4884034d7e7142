/**
 * Cold start: every function bundled as deployed (esbuild, ESM, minified, SDK bundled), then a fresh
 * `node` process imports the bundle and serves one realistic request against local parts (emulator,
 * dynalite, the loopback AWS stub). Reported as wall time per process against an empty `node -e 0`,
 * with the bundle size, the import and first-request times inside the child, and its peak RSS.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { build } from 'esbuild';
import { BUNDLING } from '../../infra/bundling';
import { createTables, LOCAL_AWS, startDynalite, uniqueTableNames } from '../../local/dynamo';
import { buildHttpEvent, type EventContext } from '../../local/gateway/event';
import { startMesiboEmulator } from '../../local/mesibo-emulator/server';
import { type FunctionName, type FunctionSpec, functionSpecs } from '../../shared/functions';
import { signPayload } from '../../shared/webhook/signature';
import { type AwsStub, type SentMessage, startAwsStub } from '../../test/support/aws-stub';
import { type BenchRow, type BenchSettings, vs } from '../lib/report';
import { median, round } from '../lib/stats';

const CASE = 'cold-start';
const APP_TOKEN_SECRET = 'mesibo/app-token';
const WEBHOOK_SECRET_ID = 'mesibo/webhook';
const WEBHOOK_SECRET = 'whsec_bench_current_0001';

/** Imports the bundle, serves one event, writes timings to BENCH_RESULT_FILE, and exits at once. */
const CHILD = `
const started = performance.now();
const mod = await import(process.argv[1]);
const imported = performance.now();
const context = { functionName: 'bench', awsRequestId: crypto.randomUUID(), getRemainingTimeInMillis: () => 30000,
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench' };
const result = await mod.handler(JSON.parse(process.env.BENCH_EVENT), context);
const handled = performance.now();
const { writeFileSync } = await import('node:fs');
writeFileSync(process.env.BENCH_RESULT_FILE, JSON.stringify({
  importMs: imported - started, handleMs: handled - imported, maxRssKb: process.resourceUsage().maxRSS, result }));
process.exit(0);
`;

interface ChildResult {
  wallMs: number;
  importMs: number;
  handleMs: number;
  maxRssKb: number;
  result: unknown;
}

const runNode = async (args: string[], env: Record<string, string>): Promise<number> => {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const wallMs = performance.now() - started;
  if (code !== 0) throw new Error(`node ${args[0]} exited with ${code}: ${stderr.slice(-2000)}`);
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

/** Per function: its environment and the one request the child serves on run `i`. */
const scenarios = (
  endpoints: { mesibo: string; dynamo: string; stub: AwsStub },
  tables: ReturnType<typeof uniqueTableNames>,
): Record<
  FunctionName,
  { env: Record<string, string>; event(i: number): unknown; ok(result: unknown): boolean }
> => {
  const { stub } = endpoints;
  const aws = {
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamo,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: stub.endpoint,
    MESIBO_API_URL: endpoints.mesibo,
    MESIBO_APP_TOKEN_SECRET_ID: APP_TOKEN_SECRET,
  };
  const http2xx = (r: unknown) => {
    const status = (r as { statusCode?: number }).statusCode ?? 0;
    return status >= 200 && status < 300;
  };
  const noFailures = (r: unknown) =>
    ((r as { batchItemFailures?: unknown[] }).batchItemFailures ?? []).length === 0;
  return {
    health: {
      env: {},
      event: () => httpEvent('GET', '/v1/health', '/v1/health', undefined, {}),
      ok: http2xx,
    },
    'issue-user-token': {
      env: { ...aws, USERS_TABLE: tables.usersTable, TOKEN_APPIDS: 'com.example.app' },
      // The warm-up run (i = 0) is a miss that fills the cache; the measured runs are cache hits.
      event: () =>
        httpEvent(
          'POST',
          '/v1/users/me/token',
          '/v1/users/me/token',
          '{}',
          {},
          {
            jwt: { claims: { sub: 'cold-start-user' }, scopes: null },
          },
        ),
      ok: http2xx,
    },
    'sync-group': {
      env: {
        ...aws,
        GROUPS_TABLE: tables.groupsTable,
        WEBHOOK_SECRET_ID,
        GROUP_SYNC_QUEUE_URL: stub.queueUrl('group-sync.fifo'),
      },
      event: (i) => {
        const body = JSON.stringify({
          id: `cold-${i}`,
          type: 'group.upsert',
          group: {
            key: `cold-${i}`,
            name: 'Cold',
            members: [{ address: 'alice' }, { address: 'bob' }],
            version: 1,
          },
        });
        const signature = signPayload(WEBHOOK_SECRET, body, Math.floor(Date.now() / 1000));
        return httpEvent('POST', '/v1/webhooks/groups', '/v1/webhooks/groups', body, {
          'x-mesibo-signature': signature,
        });
      },
      ok: http2xx,
    },
    'sync-group-worker': {
      env: { ...aws, GROUPS_TABLE: tables.groupsTable },
      event: (i) => sqsEvent('group-sync.fifo', stub.sent('group-sync.fifo')[i]!),
      ok: noFailures,
    },
    'send-system-message': {
      env: {
        ...aws,
        USERS_TABLE: tables.usersTable,
        GROUPS_TABLE: tables.groupsTable,
        IDEMPOTENCY_TABLE: tables.idempotencyTable,
        FANOUT_QUEUE_URL: stub.queueUrl('fanout'),
        SCHEDULE_GROUP_NAME: 'mesibo-serverless',
        SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/scheduler',
        SCHEDULER_DLQ_ARN: 'arn:aws:sqs:us-east-1:000000000000:scheduler-dlq',
      },
      event: (i) =>
        httpEvent(
          'POST',
          '/v1/system-messages',
          '/v1/system-messages',
          JSON.stringify({
            notificationId: `cold-${i}`,
            audience: { addresses: ['alice', 'bob'] },
            message: { text: 'Maintenance tonight at 22:00' },
          }),
          {},
          IAM,
        ),
      ok: http2xx,
    },
    'send-system-message-worker': {
      env: {
        ...aws,
        IDEMPOTENCY_TABLE: tables.idempotencyTable,
        FANOUT_DLQ_URL: stub.queueUrl('fanout-dlq'),
      },
      event: (i) => sqsEvent('fanout', stub.sent('fanout')[i]!),
      ok: noFailures,
    },
  };
};

const bundle = async (spec: FunctionSpec, dir: string): Promise<{ file: string; bytes: number }> => {
  const file = join(dir, `${spec.name}.mjs`);
  await build({ ...BUNDLING, entryPoints: [spec.entry], outfile: file, logLevel: 'silent' });
  return { file, bytes: (await stat(file)).size };
};

export const coldStartCases = async (settings: BenchSettings): Promise<BenchRow[]> => {
  const runs = settings.quick ? 2 : 7;
  const dir = await mkdtemp(join(tmpdir(), 'mesibo-bench-'));
  const [emulator, dynamo] = await Promise.all([startMesiboEmulator({ port: 0 }), startDynalite()]);
  const stub = await startAwsStub({
    [APP_TOKEN_SECRET]: emulator.appToken,
    [WEBHOOK_SECRET_ID]: JSON.stringify({ current: WEBHOOK_SECRET }),
  });
  const tables = uniqueTableNames();
  await createTables(dynamo.client, tables);
  const rows: BenchRow[] = [];
  try {
    const childFile = join(dir, 'child.mjs');
    await writeFile(childFile, CHILD);
    const empty = [];
    for (let i = 0; i <= runs; i++) empty.push(await runNode(['-e', '0'], baseEnv()));
    const baseline = median(empty.slice(1));
    rows.push({ case: CASE, metric: 'baseline: empty node -e 0', value: round(baseline), unit: 'ms' });

    const byName = scenarios({ mesibo: emulator.backendUrl, dynamo: dynamo.endpoint, stub }, tables);
    for (const spec of functionSpecs) {
      const { file, bytes } = await bundle(spec, dir);
      const scenario = byName[spec.name];
      const samples: ChildResult[] = [];
      for (let i = 0; i <= runs; i++) {
        const resultFile = join(dir, `${spec.name}-${i}.json`);
        const env = {
          ...baseEnv(),
          ...scenario.env,
          POWERTOOLS_SERVICE_NAME: spec.name,
          BENCH_EVENT: JSON.stringify(scenario.event(i)),
          BENCH_RESULT_FILE: resultFile,
        };
        const wallMs = await runNode(['--input-type=module', '-e', CHILD, file], env);
        const child = JSON.parse(await readFile(resultFile, 'utf8')) as Omit<ChildResult, 'wallMs'>;
        if (!scenario.ok(child.result)) {
          throw new Error(`${spec.name} did not serve its request: ${JSON.stringify(child.result)}`);
        }
        if (i > 0) samples.push({ wallMs, ...child });
      }
      const m = (pick: (r: ChildResult) => number) => round(median(samples.map(pick)));
      rows.push({
        case: CASE,
        metric: `${spec.name}: bundle size`,
        value: round(bytes / 1024, 1),
        unit: 'KiB',
      });
      rows.push(
        vs(
          {
            case: CASE,
            metric: `${spec.name}: fresh process serving one request`,
            value: m((r) => r.wallMs),
            unit: 'ms',
          },
          baseline,
        ),
      );
      rows.push({
        case: CASE,
        metric: `${spec.name}: import of the bundle`,
        value: m((r) => r.importMs),
        unit: 'ms',
      });
      rows.push({
        case: CASE,
        metric: `${spec.name}: first request`,
        value: m((r) => r.handleMs),
        unit: 'ms',
      });
      rows.push({
        case: CASE,
        metric: `${spec.name}: peak RSS`,
        value: round(m((r) => r.maxRssKb) / 1024, 1),
        unit: 'MB',
      });
    }
  } finally {
    await Promise.all([emulator.close(), dynamo.close(), stub.close()]);
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
};
