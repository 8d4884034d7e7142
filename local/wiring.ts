/**
 * Builds every function of the catalogue in-process with local adapters behind the same ports the
 * AWS adapters implement: the DynamoDB SDK client pointed at dynalite, mesibo clients pointed at the
 * emulator (or the real mesibo), secrets from the state directory, local queues and scheduler. Each
 * function gets its own mesibo client, as each Lambda would.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createHandler as health } from '../functions/health/handler';
import { createHandler as issueUserToken } from '../functions/issue-user-token/handler';
import { createHandler as sendSystemMessage } from '../functions/send-system-message/handler';
import { createHandler as sendSystemMessageWorker } from '../functions/send-system-message-worker/handler';
import { createHandler as syncGroup } from '../functions/sync-group/handler';
import { createHandler as syncGroupWorker } from '../functions/sync-group-worker/handler';
import { ENV } from '../shared/config/env';
import {
  workerConfigFromEnv as groupWorkerConfigFromEnv,
  MAX_RECEIVE_COUNT_SETTING,
  receiverConfigFromEnv,
} from '../shared/group-sync/config';
import { buildWebhookReceiver } from '../shared/group-sync/receiver-deps';
import { buildGroupSyncWorker } from '../shared/group-sync/worker-deps';
import { HEALTH_SERVICE } from '../shared/health/deps';
import { readinessCheck } from '../shared/health/readiness';
import { createMesiboClient, type MesiboApiStyle } from '../shared/mesibo';
import { createLogger } from '../shared/observability/logger';
import type { Clock, SecretSource } from '../shared/ports';
import {
  NOTIFY_ENV,
  workerConfigFromEnv as notifyWorkerConfigFromEnv,
  sendConfigFromEnv,
} from '../shared/system-messages/config';
import { buildNotifyDeps, buildWorkerDeps } from '../shared/system-messages/deps';
import { groupGidLookup } from '../shared/system-messages/group-lookup';
import type { RedeliveryDelay } from '../shared/system-messages/ports';
import { queueDeadLetters } from '../shared/system-messages/sqs-adapters';
import { TOKEN_ENV, tokenConfigFromEnv } from '../shared/user-tokens/config';
import { buildTokenDeps } from '../shared/user-tokens/deps';
import type { TableNames } from './dynamo';
import { asInvoker, type LambdaRuntime } from './lambda/runtime';
import type { DeadLetterQueue, LocalQueue } from './queue/local-queue';
import type { LocalOneTimeScheduler } from './scheduler/one-time';

export interface WiringContext {
  region: string;
  accountId: string;
  tables: TableNames;
  dynamo: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  mesibo: { baseUrl: string; style: MesiboApiStyle };
  /** The mesibo app token, as Secrets Manager would hand it out. */
  appToken: SecretSource;
  /** SecretString JSON `{"current": "...", "previous": "..."}`. */
  webhookSecret: SecretSource;
  queues: { groupSyncQueue: LocalQueue; fanoutQueue: LocalQueue };
  oneTimeScheduler: LocalOneTimeScheduler;
  schedulerDlq: DeadLetterQueue;
  clock: Clock;
  /** The shell's environment: function settings (TOKEN_APPIDS, FANOUT_BATCH_SIZE, ...) set there apply. */
  env: Record<string, string | undefined>;
}

/** Local defaults for function settings the deployed stack takes from stage config. */
const LOCAL_SETTINGS: Record<string, string> = {
  [TOKEN_ENV.TOKEN_APPIDS]: 'com.example.app',
  [TOKEN_ENV.TOKEN_ADDRESS_CLAIM]: 'sub',
  // Quicker fan-out retries than in AWS, so a failure plays out while you watch.
  [NOTIFY_ENV.FANOUT_RETRY_BASE_SECONDS]: '2',
};

const queueUrl = (ctx: WiringContext, queue: { arn: string }): string => {
  const name = queue.arn.split(':').pop() ?? '';
  return `https://sqs.${ctx.region}.amazonaws.com/${ctx.accountId}/${name}`;
};

/** The environment a function would see in AWS: names of local resources, never secret values. */
const functionEnv = (ctx: WiringContext): Record<string, string | undefined> => ({
  ...LOCAL_SETTINGS,
  ...ctx.env,
  [ENV.USERS_TABLE]: ctx.tables.usersTable,
  [ENV.GROUPS_TABLE]: ctx.tables.groupsTable,
  [ENV.IDEMPOTENCY_TABLE]: ctx.tables.idempotencyTable,
  [ENV.MESIBO_APP_TOKEN_SECRET_ID]: 'local/mesibo-app-token',
  [ENV.WEBHOOK_SECRET_ID]: 'local/webhook-secret',
  [ENV.GROUP_SYNC_QUEUE_URL]: queueUrl(ctx, ctx.queues.groupSyncQueue),
  [MAX_RECEIVE_COUNT_SETTING]: String(ctx.queues.groupSyncQueue.maxReceiveCount),
  [ENV.FANOUT_QUEUE_URL]: queueUrl(ctx, ctx.queues.fanoutQueue),
  [NOTIFY_ENV.FANOUT_DLQ_URL]: queueUrl(ctx, ctx.queues.fanoutQueue.dlq),
  [ENV.SCHEDULE_GROUP_NAME]: 'local',
  [ENV.SCHEDULER_ROLE_ARN]: `arn:aws:iam::${ctx.accountId}:role/local-scheduler`,
  [ENV.SCHEDULER_DLQ_ARN]: ctx.schedulerDlq.arn,
});

/** ChangeMessageVisibility on whichever local queue the record came from. */
const localRedelivery = (queues: LocalQueue[]): RedeliveryDelay => ({
  delay: async (message, seconds) => {
    const queue = queues.find((q) => q.arn === message.eventSourceARN);
    if (!queue) throw new Error(`no local queue ${message.eventSourceARN}`);
    queue.changeVisibility(message.receiptHandle, seconds);
  },
});

/** Registers every function; resolves to a closer for the clients the functions own. */
export const wireFunctions = (runtime: LambdaRuntime, ctx: WiringContext): (() => Promise<void>) => {
  const env = functionEnv(ctx);
  const mesiboOptions = { ...ctx.mesibo, appToken: ctx.appToken };
  const closers: (() => Promise<void>)[] = [];
  const mesiboClient = () => {
    const client = createMesiboClient(mesiboOptions);
    closers.push(() => client.close());
    return client;
  };

  const healthLogger = createLogger(HEALTH_SERVICE);
  const readiness = readinessCheck({
    appToken: ctx.appToken,
    webhook: ctx.webhookSecret,
    clock: ctx.clock,
    logger: healthLogger,
  });
  runtime.register('health', asInvoker(health({ logger: healthLogger, readiness })));

  runtime.register(
    'issue-user-token',
    asInvoker(
      issueUserToken(
        buildTokenDeps({
          config: tokenConfigFromEnv(env),
          doc: ctx.doc,
          mesibo: mesiboClient(),
          clock: ctx.clock,
        }),
      ),
    ),
  );

  runtime.register(
    'sync-group',
    asInvoker(
      syncGroup(
        buildWebhookReceiver({
          config: receiverConfigFromEnv(env),
          doc: ctx.doc,
          webhookSecrets: ctx.webhookSecret,
          queue: ctx.queues.groupSyncQueue,
          clock: ctx.clock,
        }),
      ),
    ),
  );

  runtime.register(
    'sync-group-worker',
    asInvoker(
      syncGroupWorker(
        buildGroupSyncWorker({
          config: groupWorkerConfigFromEnv(env),
          doc: ctx.doc,
          mesibo: mesiboClient(),
          clock: ctx.clock,
        }),
      ),
    ),
  );

  const sendConfig = sendConfigFromEnv(env);
  runtime.register(
    'send-system-message',
    asInvoker(
      sendSystemMessage(
        buildNotifyDeps({
          config: sendConfig,
          dynamo: { client: ctx.dynamo, doc: ctx.doc },
          queue: ctx.queues.fanoutQueue,
          deadLetters: queueDeadLetters(ctx.schedulerDlq),
          // Every local one-time schedule targets send-system-message, whatever ARN is asked for.
          schedulerFor: () => ctx.oneTimeScheduler,
          findGid: groupGidLookup({ doc: ctx.doc, tableName: sendConfig.groupsTable }),
          clock: ctx.clock,
        }),
      ),
    ),
  );

  runtime.register(
    'send-system-message-worker',
    asInvoker(
      sendSystemMessageWorker(
        buildWorkerDeps({
          config: notifyWorkerConfigFromEnv(env),
          doc: ctx.doc,
          mesibo: mesiboClient(),
          queue: ctx.queues.fanoutQueue,
          deadLetters: queueDeadLetters(ctx.queues.fanoutQueue.dlq),
          redelivery: localRedelivery([ctx.queues.groupSyncQueue, ctx.queues.fanoutQueue]),
          clock: ctx.clock,
        }),
      ),
    ),
  );

  return async () => {
    await Promise.allSettled(closers.map((close) => close()));
  };
};
