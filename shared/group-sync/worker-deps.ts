/**
 * Wiring for the worker (sync-group-worker). `groupSyncWorkerFromEnv` builds the mesibo client (with its
 * metrics observer) and the DynamoDB client from the environment; the local stack, the tests and the
 * benchmarks call `buildGroupSyncWorker` with their own (a client without `onCall` emits no mesibo metrics).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Env } from '../config/env';
import { createMesiboClient, mesiboOptionsFromEnv } from '../mesibo/index';
import { createLogger } from '../observability/logger';
import { functionMetrics, mesiboCallMetrics } from '../observability/mesibo-metrics';
import { type Clock, systemClock } from '../ports';
import { appTokenSource, requireAppToken } from '../secrets/app-token';
import { secretsManagerSource } from '../secrets/secrets-manager';
import { dynamoClients } from '../storage/dynamo-client';
import {
  type ApplyCheckpoint,
  type ApplyOutcome,
  applyGroupSyncMessage,
  DEFAULT_EDITS_IN_FLIGHT,
  type GroupMesibo,
} from './apply';
import { type WorkerConfig, workerConfigFromEnv } from './config';
import { dynamoGroupState } from './dynamo-state';
import { powertoolsLogger } from './logging';
import { type GroupSyncMetrics, powertoolsGroupSyncMetrics } from './metrics';
import { CREATION_LEASE_MS } from './retry-rule';
import { type GroupSyncMessage, groupSyncMessageSchema } from './schema';

export const WORKER_SERVICE = 'sync-group-worker';

export interface BuildWorkerInput {
  config: Omit<WorkerConfig, 'appTokenSecretId'>;
  doc: DynamoDBDocumentClient;
  mesibo: GroupMesibo;
  clock?: Clock;
  logger?: Logger;
  metrics?: GroupSyncMetrics;
  newId?: () => string;
  creationLeaseMs?: number;
  editsInFlight?: number;
  /** Throws AppTokenUnsetError while the app token is unset: the handler then fails the batch untouched. */
  requireMesibo?: () => Promise<void>;
  /** Fault simulations only: stops the worker between its steps. Production never sets it. */
  checkpoint?: (point: ApplyCheckpoint) => void | Promise<void>;
}

export interface GroupSyncWorkerDeps {
  /** Validates a dequeued message body (already JSON-parsed). */
  messageSchema: ReturnType<typeof groupSyncMessageSchema>;
  apply(message: GroupSyncMessage): Promise<ApplyOutcome>;
  requireMesibo?: () => Promise<void>;
  logger: Logger;
  metrics: GroupSyncMetrics;
  /** The queue's maxReceiveCount, when known: the failure line then says whether the event dead-letters. */
  maxReceiveCount?: number;
}

export const buildGroupSyncWorker = (input: BuildWorkerInput): GroupSyncWorkerDeps => {
  const clock = input.clock ?? systemClock;
  const logger = input.logger ?? createLogger(WORKER_SERVICE);
  const deps = {
    store: dynamoGroupState({
      doc: input.doc,
      tableName: input.config.groupsTable,
      clock,
      recordTtlSeconds: input.config.recordTtlSeconds,
    }),
    mesibo: input.mesibo,
    clock,
    newId: input.newId ?? (() => randomUUID()),
    logger: powertoolsLogger(logger),
    config: {
      chunkSize: input.config.chunkSize,
      maxMembers: input.config.maxMembers,
      creationLeaseMs: input.creationLeaseMs ?? CREATION_LEASE_MS,
      editsInFlight: input.editsInFlight ?? DEFAULT_EDITS_IN_FLIGHT,
    },
    ...(input.checkpoint ? { checkpoint: input.checkpoint } : {}),
  };
  return {
    messageSchema: groupSyncMessageSchema(input.config.maxMembers),
    apply: (message: GroupSyncMessage) => applyGroupSyncMessage(deps, message),
    ...(input.requireMesibo ? { requireMesibo: input.requireMesibo } : {}),
    logger,
    metrics: input.metrics ?? powertoolsGroupSyncMetrics(functionMetrics(WORKER_SERVICE)),
    ...(input.config.maxReceiveCount ? { maxReceiveCount: input.config.maxReceiveCount } : {}),
  };
};

export const groupSyncWorkerFromEnv = (env: Env = process.env): GroupSyncWorkerDeps => {
  const config = workerConfigFromEnv(env);
  const logger = createLogger(WORKER_SERVICE);
  const metrics = functionMetrics(WORKER_SERVICE, env);
  const appToken = appTokenSource(secretsManagerSource(config.appTokenSecretId), {
    secretId: config.appTokenSecretId,
    logger,
  });
  const mesibo = createMesiboClient({
    ...mesiboOptionsFromEnv(env),
    appToken,
    logger: powertoolsLogger(logger),
    onCall: mesiboCallMetrics(metrics),
  });
  // One Metrics for the counters and the mesibo calls: the handler's flush writes both in one line.
  return buildGroupSyncWorker({
    config,
    doc: dynamoClients().doc,
    mesibo,
    requireMesibo: requireAppToken(appToken),
    logger,
    metrics: powertoolsGroupSyncMetrics(metrics),
  });
};
