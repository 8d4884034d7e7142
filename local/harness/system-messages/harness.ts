/**
 * send-system-message and its worker built by their own wirings, every dependency on loopback: dynalite
 * through the real DynamoDB client (Powertools idempotency and the batch ledger included), the mesibo
 * emulator over HTTP through the real mesibo client, group lookups through group sync's own store.
 * The fan-out queue is captured: `drain()` feeds its messages to the worker as SQS events (checked
 * against Powertools' SqsSchema) and puts back what the worker reports as failed, with the receive
 * count raised, as SQS would. Shared by the integration tests and the fan-out measurement.
 */
import { createHash, randomUUID } from 'node:crypto';
import { APIGatewayProxyEventV2Schema } from '@aws-lambda-powertools/parser/schemas/api-gatewayv2';
import { SqsSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { wire as wireSend } from '../../../functions/send-system-message/wiring';
import { wire as wireWorker } from '../../../functions/send-system-message-worker/wiring';
import { dynamoGroupState } from '../../../shared/group-sync/dynamo-state';
import { createMesiboClient, type MesiboHttpClient } from '../../../shared/mesibo';
import type { Clock, OneTimeSchedule, QueueMessage, QueuePublisher } from '../../../shared/ports';
import { queueUrlFromArn } from '../../../shared/queue/queue-url';
import type { DeadLetterRecord } from '../../../shared/system-messages/fanout-message';
import type { NotifyMetricName } from '../../../shared/system-messages/ports';
import { createTables, type LocalDynamo, startDynalite, uniqueTableNames } from '../../dynamo';
import { type EmulatorControl, emulatorControl } from '../../mesibo-emulator/control';
import { type RunningEmulator, startMesiboEmulator } from '../../mesibo-emulator/server';
import { CountingMetrics } from '../counting-metrics';
import { silentLogger } from '../loggers';
import { harnessMesibo } from '../mesibo';

export const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:send-system-message';
const FANOUT_QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:fanout';

interface QueuedMessage {
  messageId: string;
  body: string;
  receiveCount: number;
}

export interface NotifyHarnessOptions {
  /** Settings as the functions would read them from their environment. */
  env?: Record<string, string>;
  /** Per-attempt mesibo timeout (default 2000 ms). */
  mesiboTimeoutMs?: number;
  clock?: Clock;
  /** Latency the emulator adds to every request from the start, in ms. */
  emulatorLatencyMs?: number;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

export interface DrainOptions {
  /** Records per worker invocation (the event source's batch size), default 10. */
  batchSize?: number;
  /** Worker invocations running at once (Lambda concurrency), default 1. */
  concurrency?: number;
  /** Deliveries before the harness stops redelivering (the queue's maxReceiveCount), default 10. */
  maxReceiveCount?: number;
}

export interface NotifyHarness {
  emulator: RunningEmulator;
  control: EmulatorControl;
  dynamo: LocalDynamo;
  mesibo: MesiboHttpClient;
  tables: ReturnType<typeof uniqueTableNames>;
  metrics: { send: CountingMetrics<NotifyMetricName>; worker: CountingMetrics<NotifyMetricName> };
  /** Fan-out messages waiting for the worker. */
  queued: QueuedMessage[];
  /**
   * When set, a publish whose messages it matches is made and then throws, as if the publisher
   * crashed before its own message was acknowledged.
   */
  crashAfterPublish?: (body: Record<string, unknown>) => boolean;
  /** Records the worker and the function put on their DLQs. */
  deadLetters: { fanout: DeadLetterRecord[]; scheduler: DeadLetterRecord[] };
  /** One-time schedules created (as CreateSchedule would have). */
  schedules: (OneTimeSchedule & { targetArn: string })[];
  /** Visibility delays the worker asked for, in seconds. */
  redeliveryDelays: number[];
  post(body: unknown): Promise<HttpAnswer>;
  /** `GET /v1/system-messages/{notificationId}`. */
  status(notificationId: string): Promise<HttpAnswer>;
  /** Invokes the function as Scheduler does: the event is the schedule's input. */
  invokeAsScheduler(input: unknown): Promise<unknown>;
  /** Runs the worker until the queue is empty; returns its responses. */
  drain(options?: DrainOptions): Promise<SQSBatchResponse[]>;
  /** Feeds the given messages to the worker again, as a redelivery. */
  redeliver(messages: QueuedMessage[]): Promise<SQSBatchResponse>;
  /** Caches users as issue-user-token would (one item per appid, plus a lease item each). */
  seedUsers(addresses: string[], appids?: string[]): Promise<void>;
  /** Creates a group at mesibo with members and records its key as group sync would. */
  seedGroup(key: string, members: string[]): Promise<number>;
  close(): Promise<void>;
}

export const lambdaContext = (functionArn = FUNCTION_ARN): Context => ({
  callbackWaitsForEmptyEventLoop: true,
  functionName: functionArn.split(':')[6] ?? 'fn',
  functionVersion: '$LATEST',
  invokedFunctionArn: functionArn,
  memoryLimitInMB: '512',
  awsRequestId: randomUUID(),
  logGroupName: '/aws/lambda/test',
  logStreamName: 'test',
  getRemainingTimeInMillis: () => 30_000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
});

export const startNotifyHarness = async (options: NotifyHarnessOptions = {}): Promise<NotifyHarness> => {
  const tables = uniqueTableNames();
  const clock = options.clock ?? { now: () => Date.now() };
  const [dynamo, emulator] = await Promise.all([startDynalite(), startMesiboEmulator({ port: 0 })]);
  const env = {
    MESIBO_APP_TOKEN_SECRET_ID: 'mesibo/app-token',
    USERS_TABLE: tables.usersTable,
    GROUPS_TABLE: tables.groupsTable,
    IDEMPOTENCY_TABLE: tables.idempotencyTable,
    FANOUT_QUEUE_URL: 'http://127.0.0.1/000000000000/fanout',
    SCHEDULE_GROUP_NAME: 'system-messages',
    SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/scheduler',
    SCHEDULER_DLQ_ARN: 'arn:aws:sqs:us-east-1:000000000000:scheduler-dlq',
    FANOUT_DLQ_URL: 'http://127.0.0.1/000000000000/fanout-dlq',
    MESIBO_API_URL: emulator.backendUrl,
    ...options.env,
  };
  await createTables(dynamo.client, tables);
  const control = emulatorControl(emulator.url);
  if (options.emulatorLatencyMs) await control.addFault({ kind: 'latency', ms: options.emulatorLatencyMs });

  const mesiboTuning = {
    timeoutMs: options.mesiboTimeoutMs ?? 2000,
    maxAttempts: 2,
    baseDelayMs: 5,
    maxDelayMs: 20,
  };
  // The harness's own client, for seeding and checks; the worker builds its own through its wiring.
  const mesibo = createMesiboClient({
    baseUrl: emulator.backendUrl,
    style: 'json',
    appToken: async () => emulator.appToken,
    ...mesiboTuning,
  });

  const queued: QueuedMessage[] = [];
  const deadLetters = { fanout: [] as DeadLetterRecord[], scheduler: [] as DeadLetterRecord[] };
  const schedules: NotifyHarness['schedules'] = [];
  const redeliveryDelays: number[] = [];
  const metrics = {
    send: new CountingMetrics<NotifyMetricName>(),
    worker: new CountingMetrics<NotifyMetricName>(),
  };

  const fanoutQueue = {
    publish: async (messages: QueueMessage[]) => {
      for (const m of messages) queued.push({ messageId: randomUUID(), body: m.body, receiveCount: 0 });
      const crash = harness.crashAfterPublish;
      if (crash && messages.some((m) => crash(JSON.parse(m.body))))
        throw new Error('crashed after publishing');
    },
  };
  const dlqOf = (records: DeadLetterRecord[]): QueuePublisher => ({
    publish: async (messages) => {
      for (const m of messages) records.push(JSON.parse(m.body) as DeadLetterRecord);
    },
  });
  const queues = new Map<string, QueuePublisher>([
    [env.FANOUT_QUEUE_URL, fanoutQueue],
    [env.FANOUT_DLQ_URL, dlqOf(deadLetters.fanout)],
    [queueUrlFromArn(env.SCHEDULER_DLQ_ARN), dlqOf(deadLetters.scheduler)],
  ]);
  const mesiboClients: MesiboHttpClient[] = [];
  const platform = {
    clock,
    dynamo: async () => ({ client: dynamo.client, doc: dynamo.doc }),
    secret: async () => async () => emulator.appToken,
    queue: async (url: string) => {
      const queue = queues.get(url);
      if (!queue) throw new Error(`the harness has no queue ${url}`);
      return queue;
    },
    redelivery: async () => ({
      delay: async (_m: unknown, seconds: number) => void redeliveryDelays.push(seconds),
    }),
    scheduler: async () => (targetArn: string) => ({
      async create(schedule: OneTimeSchedule) {
        if (schedules.some((s) => s.name === schedule.name)) return 'exists' as const;
        schedules.push({ ...schedule, targetArn });
        return 'created' as const;
      },
    }),
    mesibo: harnessMesibo(mesiboTuning, mesiboClients),
  };
  const send = await wireSend(env, platform, {
    logger: silentLogger('send-system-message'),
    metrics: metrics.send,
  });
  const worker = await wireWorker(env, platform, {
    logger: silentLogger('send-system-message-worker'),
    metrics: metrics.worker,
  });

  const sqsEvent = (messages: QueuedMessage[]): SQSEvent =>
    SqsSchema.parse({
      Records: messages.map((m) => ({
        messageId: m.messageId,
        receiptHandle: randomUUID(),
        body: m.body,
        attributes: {
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: String(clock.now()),
          SenderId: 'AROAEXAMPLE',
          ApproximateFirstReceiveTimestamp: String(clock.now()),
        },
        messageAttributes: {},
        md5OfBody: createHash('md5').update(m.body).digest('hex'),
        eventSource: 'aws:sqs',
        eventSourceARN: FANOUT_QUEUE_ARN,
        awsRegion: 'us-east-1',
      })),
    }) as SQSEvent;

  /** One worker invocation; returns the messages it reported as failed. */
  const invokeWorker = async (messages: QueuedMessage[]) => {
    for (const m of messages) m.receiveCount += 1;
    const event = sqsEvent(messages);
    const response = await worker(event, lambdaContext());
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    return { response, failed: messages.filter((m) => failed.has(m.messageId)) };
  };

  const apiEvent = (
    body: string | undefined,
    method = 'POST',
    path = '/v1/system-messages',
    pathParameters?: Record<string, string>,
  ): APIGatewayProxyEventV2 =>
    APIGatewayProxyEventV2Schema.parse({
      version: '2.0',
      routeKey: pathParameters ? `${method} /v1/system-messages/{notificationId}` : `${method} ${path}`,
      rawPath: path,
      ...(pathParameters ? { pathParameters } : {}),
      rawQueryString: '',
      headers: { 'content-type': 'application/json' },
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        authorizer: {
          iam: { accountId: '000000000000', userArn: 'arn:aws:iam::000000000000:user/operator' },
        },
        domainName: '127.0.0.1',
        domainPrefix: '127',
        http: {
          method,
          path,
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'test',
        },
        requestId: randomUUID(),
        routeKey: pathParameters ? `${method} /v1/system-messages/{notificationId}` : `${method} ${path}`,
        stage: '$default',
        time: new Date(clock.now()).toISOString(),
        timeEpoch: clock.now(),
      },
      ...(body === undefined ? {} : { body }),
      isBase64Encoded: false,
    }) as APIGatewayProxyEventV2;

  const answer = (result: APIGatewayProxyStructuredResultV2): HttpAnswer => ({
    status: result.statusCode ?? 0,
    headers: (result.headers ?? {}) as Record<string, string>,
    body: JSON.parse(result.body ?? '{}') as Record<string, unknown>,
  });

  const groups = dynamoGroupState({
    doc: dynamo.doc,
    tableName: tables.groupsTable,
    clock,
    recordTtlSeconds: 3600,
  });

  const harness: NotifyHarness = {
    emulator,
    control,
    dynamo,
    mesibo,
    tables,
    metrics,
    queued,
    deadLetters,
    schedules,
    redeliveryDelays,
    async post(body) {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      return answer((await send(apiEvent(text), lambdaContext())) as APIGatewayProxyStructuredResultV2);
    },
    async status(notificationId) {
      const path = `/v1/system-messages/${encodeURIComponent(notificationId)}`;
      const event = apiEvent(undefined, 'GET', path, { notificationId });
      return answer((await send(event, lambdaContext())) as APIGatewayProxyStructuredResultV2);
    },
    invokeAsScheduler: (input) => send(input, lambdaContext()),
    async drain({ batchSize = 10, concurrency = 1, maxReceiveCount = 10 } = {}) {
      const responses: SQSBatchResponse[] = [];
      // Rounds: every queued message is delivered once per round; failures come back next round.
      while (queued.length) {
        const round = queued.splice(0);
        const retry: QueuedMessage[] = [];
        const poll = async () => {
          for (let next = round.splice(0, batchSize); next.length; next = round.splice(0, batchSize)) {
            const { response, failed } = await invokeWorker(next);
            responses.push(response);
            retry.push(...failed.filter((m) => m.receiveCount < maxReceiveCount));
          }
        };
        await Promise.all(Array.from({ length: concurrency }, poll));
        queued.push(...retry);
      }
      return responses;
    },
    async redeliver(messages) {
      return (await invokeWorker(messages.map((m) => ({ ...m })))).response;
    },
    async seedUsers(addresses, appids = ['com.example.app']) {
      const items = addresses.flatMap((address, i) => [
        ...appids.map((appid) => ({
          pk: address,
          sk: `appid#${appid}`,
          uid: 1001 + i,
          appid,
          token: `token-${i}`,
          issuedAt: clock.now(),
          expiryMinutes: 525_600,
        })),
        { pk: address, sk: `lease#${appids[0]}`, owner: 'seed', expiresAt: 0 },
      ]);
      for (let i = 0; i < items.length; i += 25) {
        const chunk = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
        let pending: unknown[] = chunk;
        while (pending.length) {
          const out = await dynamo.doc.send(
            new BatchWriteCommand({ RequestItems: { [tables.usersTable]: pending as typeof chunk } }),
          );
          pending = out.UnprocessedItems?.[tables.usersTable] ?? [];
        }
      }
    },
    async seedGroup(key, members) {
      const { gid } = await mesibo.groupadd({ name: key });
      if (members.length) await mesibo.groupeditmembers({ gid, addresses: members });
      const attemptId = randomUUID();
      await groups.claimCreation(key, { attemptId, until: clock.now() + 60_000 });
      await groups.recordGid(key, attemptId, gid, key);
      return gid;
    },
    async close() {
      await Promise.all([mesibo, ...mesiboClients].map((client) => client.close()));
      await Promise.all([emulator.close(), dynamo.close()]);
    },
  };
  return harness;
};
