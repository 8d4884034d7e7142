/**
 * Wiring of the two functions from adapters. `build*` take ready adapters (the local stack and the
 * tests pass local ones); `*FromEnv` build the AWS ones from the environment.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { createMesiboClient, type MesiboClient, mesiboOptionsFromEnv } from '../mesibo/index';
import { createLogger } from '../observability/logger';
import { mesiboLoggerFrom } from '../observability/mesibo-logger';
import { functionMetrics, mesiboCallMetrics } from '../observability/mesibo-metrics';
import { type Clock, type OneTimeScheduler, type QueuePublisher, systemClock } from '../ports';
import { createSqsPublisher } from '../queue/sqs-publisher';
import { eventBridgeOneTimeScheduler } from '../scheduler/eventbridge-scheduler';
import { appTokenSource, requireAppToken } from '../secrets/app-token';
import { secretsManagerSource } from '../secrets/secrets-manager';
import { dynamoClients } from '../storage/dynamo-client';
import type { AcceptDeps } from './accept';
import { type SendConfig, sendConfigFromEnv, type WorkerConfig, workerConfigFromEnv } from './config';
import { dynamoBatchLedger } from './dynamo-batch-ledger';
import { groupGidLookup } from './group-lookup';
import { emfNotifyMetrics, type FlushableMetrics } from './metrics';
import type { OccurrenceDeps } from './occurrence';
import type { DeadLetters, FindGid, NotifyMetrics, OnceGate, RedeliveryDelay } from './ports';
import { powertoolsOnceGate } from './powertools-once-gate';
import type { WorkerDeps } from './send-batch';
import { senderRegistry } from './sender-registry';
import { queueDeadLetters, queueUrlFromArn, sqsRedeliveryDelay } from './sqs-adapters';
import { dynamoStatusStore } from './status-store';
import { scanUserAddressPage } from './user-addresses';

type Env = Record<string, string | undefined>;

export const SEND_SERVICE = 'send-system-message';
export const WORKER_SERVICE = 'send-system-message-worker';

/** What the handler runtime calls per invocation; adapters without such needs leave them out. */
export interface InvocationHooks {
  /** Flushed once per invocation by the handler runtime. */
  metrics: NotifyMetrics & { flush?(): void };
  onInvocation?(context: Context): void;
  /**
   * Throws AppTokenUnsetError while the app token is a placeholder, before any work is claimed, so
   * the invocation fails (or answers 503) with nothing recorded and its work comes back later.
   */
  requireMesibo?(): Promise<void>;
}

export type SendSystemMessageDeps = AcceptDeps & OccurrenceDeps & InvocationHooks;
export type SendSystemMessageWorkerDeps = WorkerDeps & InvocationHooks;

export interface NotifyAdapters {
  config: SendConfig;
  dynamo: { client: DynamoDBClient; doc: DynamoDBDocumentClient };
  /** The fan-out queue. */
  queue: QueuePublisher;
  /** Where Scheduler invocations that can never be sent are recorded (the scheduler DLQ). */
  deadLetters: DeadLetters;
  /** Scheduler adapter whose schedules invoke the given function ARN. */
  schedulerFor: (targetArn: string) => OneTimeScheduler;
  findGid: FindGid;
  /** See InvocationHooks.requireMesibo; left out, work starts without the check. */
  requireMesibo?: () => Promise<void>;
  clock?: Clock;
  newId?: () => string;
  logger?: Logger;
  metrics?: NotifyMetrics & { flush?(): void };
  gate?: OnceGate & { registerInvocation?(context: Context): void };
}

export const buildNotifyDeps = (a: NotifyAdapters): SendSystemMessageDeps => {
  const clock = a.clock ?? systemClock;
  const { config } = a;
  const metrics = a.metrics ?? emfNotifyMetrics(functionMetrics(SEND_SERVICE));
  const gate =
    a.gate ??
    powertoolsOnceGate({
      client: a.dynamo.client,
      tableName: config.idempotencyTable,
      retentionSeconds: config.retentionSeconds,
    });
  return {
    clock,
    newId: a.newId ?? randomUUID,
    gate,
    schedulerFor: a.schedulerFor,
    queue: a.queue,
    findGid: a.findGid,
    status: dynamoStatusStore({
      doc: a.dynamo.doc,
      tableName: config.idempotencyTable,
      clock,
      retentionSeconds: config.retentionSeconds,
    }),
    metrics,
    systemSender: config.systemSender,
    senders: config.senders,
    allowHttpUrls: config.allowHttpUrls,
    retentionSeconds: config.retentionSeconds,
    batchSize: config.batchSize,
    usersPageSize: config.usersPageSize,
    deadLetters: a.deadLetters,
    logger: a.logger ?? createLogger(SEND_SERVICE),
    onInvocation: (context) => gate.registerInvocation?.(context),
  };
};

export interface WorkerAdapters {
  config: WorkerConfig;
  doc: DynamoDBDocumentClient;
  mesibo: MesiboClient;
  /** The fan-out queue, for the batches and next steps of an expansion. */
  queue: QueuePublisher;
  /** The fan-out DLQ, for records with a reason. */
  deadLetters: DeadLetters;
  redelivery: RedeliveryDelay;
  /** See InvocationHooks.requireMesibo. */
  requireMesibo?: () => Promise<void>;
  clock?: Clock;
  random?: () => number;
  logger?: Logger;
  metrics?: NotifyMetrics & { flush?(): void };
}

export const buildWorkerDeps = (a: WorkerAdapters): SendSystemMessageWorkerDeps => {
  const clock = a.clock ?? systemClock;
  const metrics = a.metrics ?? emfNotifyMetrics(functionMetrics(WORKER_SERVICE));
  const { config } = a;
  return {
    mesibo: a.mesibo,
    sender: senderRegistry({ mesibo: a.mesibo, doc: a.doc, tableName: config.idempotencyTable, clock }),
    status: dynamoStatusStore({
      doc: a.doc,
      tableName: config.idempotencyTable,
      clock,
      retentionSeconds: config.retentionSeconds,
    }),
    queue: a.queue,
    userAddressPage: scanUserAddressPage({ doc: a.doc, tableName: config.usersTable }),
    ledger: dynamoBatchLedger({
      doc: a.doc,
      tableName: config.idempotencyTable,
      clock,
      retentionSeconds: config.retentionSeconds,
    }),
    deadLetters: a.deadLetters,
    redelivery: a.redelivery,
    metrics,
    logger: a.logger ?? createLogger(WORKER_SERVICE),
    clock,
    random: a.random ?? Math.random,
    maxAttempts: a.config.maxAttempts,
    retryBaseSeconds: a.config.retryBaseSeconds,
    leaseSeconds: a.config.leaseSeconds,
    ...(a.requireMesibo ? { requireMesibo: a.requireMesibo } : {}),
  };
};

/**
 * The mesibo client with its metrics observer, counting into the same Metrics as the function's
 * counters (the handler runtime flushes once per invocation: one EMF line).
 */
const mesiboFromEnv = (
  env: Env,
  service: string,
  appTokenSecretId: string,
  logger: Logger,
): { mesibo: MesiboClient; metrics: FlushableMetrics; requireMesibo: () => Promise<void> } => {
  const metrics = functionMetrics(service, env);
  const appToken = appTokenSource(secretsManagerSource(appTokenSecretId), {
    secretId: appTokenSecretId,
    logger,
  });
  return {
    mesibo: createMesiboClient({
      ...mesiboOptionsFromEnv(env),
      appToken,
      logger: mesiboLoggerFrom(logger),
      onCall: mesiboCallMetrics(metrics),
    }),
    metrics: emfNotifyMetrics(metrics),
    requireMesibo: requireAppToken(appToken),
  };
};

export const sendSystemMessageDepsFromEnv = (env: Env): SendSystemMessageDeps => {
  const config = sendConfigFromEnv(env);
  const logger = createLogger(SEND_SERVICE);
  const dynamo = dynamoClients();
  const scheduler = new SchedulerClient({});
  return buildNotifyDeps({
    config,
    dynamo,
    metrics: emfNotifyMetrics(functionMetrics(SEND_SERVICE, env)),
    queue: createSqsPublisher({ queueUrl: config.fanoutQueueUrl }),
    deadLetters: queueDeadLetters(createSqsPublisher({ queueUrl: queueUrlFromArn(config.schedule.dlqArn) })),
    schedulerFor: (targetArn) =>
      eventBridgeOneTimeScheduler({
        client: scheduler,
        groupName: config.schedule.groupName,
        roleArn: config.schedule.roleArn,
        deadLetterArn: config.schedule.dlqArn,
        targetArn,
      }),
    findGid: groupGidLookup({ doc: dynamo.doc, tableName: config.groupsTable }),
    logger,
  });
};

export const sendSystemMessageWorkerDepsFromEnv = (env: Env): SendSystemMessageWorkerDeps => {
  const config = workerConfigFromEnv(env);
  const logger = createLogger(WORKER_SERVICE);
  const sqs = new SQSClient({});
  return buildWorkerDeps({
    config,
    doc: dynamoClients().doc,
    ...mesiboFromEnv(env, WORKER_SERVICE, config.appTokenSecretId, logger),
    queue: createSqsPublisher({ queueUrl: config.fanoutQueueUrl, client: sqs }),
    deadLetters: queueDeadLetters(createSqsPublisher({ queueUrl: config.fanoutDlqUrl, client: sqs })),
    redelivery: sqsRedeliveryDelay(sqs),
    logger,
  });
};
