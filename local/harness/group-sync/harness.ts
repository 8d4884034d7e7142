/**
 * Group sync over real sockets, in one process: the mesibo emulator over HTTP, dynalite through the
 * real AWS SDK, both handlers built by their own wirings (`wiring.ts` in functions/sync-group and functions/sync-group-worker). The queue is an in-test
 * QueuePublisher whose messages are handed to the worker as SQS-shaped events (checked against the
 * Powertools SqsSchema); messages the worker reports as failed stay queued, as SQS would redeliver them.
 * Shared by the integration tests and the group-sync measurements.
 */
import { randomUUID } from 'node:crypto';
import { APIGatewayProxyEventV2Schema } from '@aws-lambda-powertools/parser/schemas/api-gatewayv2';
import { SqsSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { wire as wireWebhook } from '../../../functions/sync-group/wiring';
import { wire as wireWorker } from '../../../functions/sync-group-worker/wiring';
import { GROUP_SYNC_DEFAULTS } from '../../../shared/group-sync/config';
import { dynamoGroupState } from '../../../shared/group-sync/dynamo-state';
import { noGroupSyncMetrics } from '../../../shared/group-sync/metrics';
import type { GroupStateStore } from '../../../shared/group-sync/ports';
import { createMesiboClient, type MesiboHttpClient } from '../../../shared/mesibo';
import type { QueueMessage, QueuePublisher } from '../../../shared/ports';
import { documentClientFor } from '../../../shared/storage/dynamo-client';
import { signPayload } from '../../../shared/webhook/signature';
import { createTables, LOCAL_AWS, type LocalDynamo, startDynalite, uniqueTableNames } from '../../dynamo';
import { type EmulatorControl, emulatorControl } from '../../mesibo-emulator/control';
import { type RunningEmulator, startMesiboEmulator } from '../../mesibo-emulator/server';
import { silentLogger } from '../loggers';
import { harnessMesibo } from '../mesibo';

const WEBHOOK_SECRET_ID = 'group-sync/webhook';
const APP_TOKEN_SECRET_ID = 'group-sync/app-token';
const GROUP_SYNC_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/group-sync.fifo';

export const WEBHOOK_SECRET = 'whsec_integration_current_0001';
export const PREVIOUS_WEBHOOK_SECRET = 'whsec_integration_previous_0001';

export interface HarnessOptions {
  chunkSize?: number;
  maxMembers?: number;
  /** mesibo client attempts per call (default 3, the client's default). */
  mesiboAttempts?: number;
  mesiboTimeoutMs?: number;
  /** groupeditmembers calls of one event in flight at once (default: the worker's). */
  editsInFlight?: number;
  /** Called before every DynamoDB command the worker sends; throw to simulate a crash. */
  beforeWorkerWrite?: (command: string) => void;
}

/** Items a DynamoDB response carries (GetItem, Query, BatchGetItem). */
const itemsIn = (output: unknown): number => {
  const o = output as { Item?: unknown; Items?: unknown[]; Responses?: Record<string, unknown[]> };
  return (
    (o.Item ? 1 : 0) +
    (o.Items?.length ?? 0) +
    Object.values(o.Responses ?? {}).reduce((n, items) => n + items.length, 0)
  );
};

class CapturingQueue implements QueuePublisher {
  pending: QueueMessage[] = [];
  sent = 0;
  async publish(messages: QueueMessage[]) {
    this.pending.push(...messages);
    this.sent += messages.length;
  }
}

/** A clock tests move by hand; starts at the real time so dynalite TTL values look sane. */
const manualClock = () => {
  let now = Date.now();
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
};

export interface WebhookCall {
  body: unknown;
  /** Sign with this secret (default the current one); `null` sends no signature. */
  secret?: string | null;
  /** Signature timestamp, unix seconds (default: the harness clock). */
  t?: number;
  headers?: Record<string, string>;
}

export interface WebhookResponse {
  status: number;
  body: Record<string, unknown>;
}

export interface GroupSyncHarness {
  emulator: RunningEmulator;
  control: EmulatorControl;
  dynamo: LocalDynamo;
  tables: ReturnType<typeof uniqueTableNames>;
  mesibo: MesiboHttpClient;
  clock: ReturnType<typeof manualClock>;
  queue: CapturingQueue;
  /** Items the worker has read from DynamoDB so far. */
  workerReads: { items: number };
  /** What the worker recorded (read through the same store it uses). */
  state: GroupStateStore;
  post(call: WebhookCall): Promise<WebhookResponse>;
  /** Delivers every queued message to the worker in batches of `batchSize`; failures stay queued. */
  drain(options?: { batchSize?: number }): Promise<SQSBatchResponse[]>;
  /** The members mesibo has for a gid, as address → permissions. */
  membersAtMesibo(gid: number): Promise<Map<string, Record<string, boolean>>>;
  close(): Promise<void>;
}

export const startGroupSyncHarness = async (options: HarnessOptions = {}): Promise<GroupSyncHarness> => {
  const emulator = await startMesiboEmulator({ port: 0 });
  const control = emulatorControl(emulator.url);
  const dynamo = await startDynalite();
  const tables = uniqueTableNames();
  await createTables(dynamo.client, tables);
  const clock = manualClock();
  const queue = new CapturingQueue();

  const mesiboTuning = {
    maxAttempts: options.mesiboAttempts ?? 3,
    timeoutMs: options.mesiboTimeoutMs ?? 10_000,
    sleep: async () => {},
  };
  // The harness's own client, for checks and baselines; the worker builds its own through its wiring.
  const mesibo = createMesiboClient({
    baseUrl: emulator.backendUrl,
    style: 'json',
    appToken: async () => emulator.appToken,
    ...mesiboTuning,
  });

  // The worker gets its own SDK client so a simulated crash touches only its writes.
  const workerDynamo = new DynamoDBClient({ endpoint: dynamo.endpoint, ...LOCAL_AWS });
  const workerReads = { items: 0 };
  workerDynamo.middlewareStack.add(
    (next, context) => async (args) => {
      options.beforeWorkerWrite?.(context.commandName ?? '');
      const result = await next(args);
      workerReads.items += itemsIn(result.output);
      return result;
    },
    { step: 'initialize', name: 'simulatedCrash' },
  );
  const workerDoc = documentClientFor(workerDynamo);

  const env = {
    GROUPS_TABLE: tables.groupsTable,
    GROUP_MAX_MEMBERS: String(options.maxMembers ?? GROUP_SYNC_DEFAULTS.maxMembers),
    WEBHOOK_SECRET_ID,
    GROUP_SYNC_QUEUE_URL,
    MESIBO_APP_TOKEN_SECRET_ID: APP_TOKEN_SECRET_ID,
    MESIBO_API_URL: emulator.backendUrl,
    GROUP_SYNC_CHUNK_SIZE: String(options.chunkSize ?? GROUP_SYNC_DEFAULTS.chunkSize),
  };
  const secrets: Record<string, string> = {
    [WEBHOOK_SECRET_ID]: JSON.stringify({ current: WEBHOOK_SECRET, previous: PREVIOUS_WEBHOOK_SECRET }),
    [APP_TOKEN_SECRET_ID]: emulator.appToken,
  };
  const secret = async (secretId: string) => async () => secrets[secretId] ?? '';
  const quiet = { logger: silentLogger(), metrics: noGroupSyncMetrics };
  const webhook = await wireWebhook(
    env,
    {
      clock,
      dynamo: async () => ({ client: dynamo.client, doc: dynamo.doc }),
      secret,
      queue: async () => queue,
    },
    quiet,
  );
  const workerMesibo: MesiboHttpClient[] = [];
  const worker = await wireWorker(
    env,
    {
      clock,
      dynamo: async () => ({ client: workerDynamo, doc: workerDoc }),
      secret,
      mesibo: harnessMesibo(mesiboTuning, workerMesibo),
    },
    { ...quiet, ...(options.editsInFlight ? { editsInFlight: options.editsInFlight } : {}) },
  );

  let sequence = 0;
  const sqsEvent = (messages: QueueMessage[]): SQSEvent =>
    SqsSchema.parse({
      Records: messages.map((m) => ({
        messageId: randomUUID(),
        receiptHandle: randomUUID(),
        body: m.body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(clock.now()),
          SenderId: 'AROAEXAMPLE',
          ApproximateFirstReceiveTimestamp: String(clock.now()),
          SequenceNumber: String(++sequence).padStart(20, '0'),
          MessageGroupId: m.groupId,
          MessageDeduplicationId: m.deduplicationId,
        },
        messageAttributes: {},
        md5OfBody: '0'.repeat(32),
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:group-sync.fifo',
        awsRegion: 'us-east-1',
      })),
    }) as SQSEvent;

  const apiEvent = (body: string, headers: Record<string, string>): APIGatewayProxyEventV2 =>
    APIGatewayProxyEventV2Schema.parse({
      version: '2.0',
      routeKey: 'POST /v1/webhooks/groups',
      rawPath: '/v1/webhooks/groups',
      rawQueryString: '',
      headers: { 'content-type': 'application/json', ...headers },
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: '127.0.0.1',
        domainPrefix: '127',
        http: {
          method: 'POST',
          path: '/v1/webhooks/groups',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'test',
        },
        requestId: randomUUID(),
        routeKey: 'POST /v1/webhooks/groups',
        stage: '$default',
        time: new Date(clock.now()).toISOString(),
        timeEpoch: clock.now(),
      },
      body,
      isBase64Encoded: false,
    }) as APIGatewayProxyEventV2;

  return {
    emulator,
    control,
    dynamo,
    tables,
    mesibo,
    clock,
    queue,
    workerReads,
    state: dynamoGroupState({
      doc: dynamo.doc,
      tableName: tables.groupsTable,
      clock,
      recordTtlSeconds: GROUP_SYNC_DEFAULTS.recordTtlDays * 86_400,
    }),
    async post({ body, secret, t, headers = {} }) {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      const signature: Record<string, string> =
        secret === null
          ? {}
          : {
              'x-mesibo-signature': signPayload(
                secret ?? WEBHOOK_SECRET,
                text,
                t ?? Math.floor(clock.now() / 1000),
              ),
            };
      const result = (await webhook(apiEvent(text, { ...signature, ...headers }))) as Exclude<
        APIGatewayProxyResultV2,
        string
      >;
      return { status: result.statusCode ?? 0, body: JSON.parse(result.body ?? '{}') };
    },
    async drain({ batchSize = 10 } = {}) {
      const responses: SQSBatchResponse[] = [];
      // Like SQS FIFO: after a failure, the group's later messages wait behind the failed one.
      const blocked = new Set<string | undefined>();
      const held: QueueMessage[] = [];
      while (queue.pending.length) {
        const current: QueueMessage[] = [];
        while (queue.pending.length && current.length < batchSize) {
          const next = queue.pending.shift()!;
          (blocked.has(next.groupId) ? held : current).push(next);
        }
        if (!current.length) break;
        const event = sqsEvent(current);
        const response = await worker(event);
        responses.push(response);
        const failedIds = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
        event.Records.forEach((record, i) => {
          const message = current[i]!;
          if (!failedIds.has(record.messageId)) return;
          blocked.add(message.groupId);
          held.push(message);
        });
      }
      queue.pending.unshift(...held);
      return responses;
    },
    async membersAtMesibo(gid) {
      const state = await control.state();
      const group = state.groups.find((g) => g.gid === gid);
      if (!group) throw new Error(`no group ${gid} at mesibo`);
      return new Map(group.members.map((m) => [m.address, { ...m.permissions }]));
    },
    async close() {
      await Promise.all([mesibo, ...workerMesibo].map((client) => client.close()));
      workerDynamo.destroy();
      await dynamo.close();
      await emulator.close();
    },
  };
};
