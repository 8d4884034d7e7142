/**
 * The two functions' dependencies from ready adapters: their wirings (`wiring.ts` in
 * functions/send-system-message and its worker's folder) pass the platform's, the harnesses and the
 * simulation their own.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import type { MesiboClient } from '../mesibo/index';
import { createLogger } from '../observability/logger';
import { functionMetrics } from '../observability/mesibo-metrics';
import {
  type Clock,
  type OneTimeScheduler,
  type QueuePublisher,
  type RedeliveryDelay,
  systemClock,
} from '../ports';
import type { AcceptDeps } from './accept';
import type { SendConfig, WorkerConfig } from './config';
import { dynamoBatchLedger } from './dynamo-batch-ledger';
import { emfNotifyMetrics } from './metrics';
import type { OccurrenceDeps } from './occurrence';
import type { DeadLetters, FindGid, NotifyMetrics, OnceGate } from './ports';
import { powertoolsOnceGate } from './powertools-once-gate';
import type { WorkerDeps } from './send-batch';
import { senderRegistry } from './sender-registry';
import { dynamoStatusStore } from './status-store';
import { scanUserAddressPage } from './user-addresses';

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
