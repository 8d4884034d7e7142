/**
 * The worker's (sync-group-worker) dependencies from ready adapters: its wiring
 * (functions/sync-group-worker/wiring.ts) passes the platform's; the harnesses, the simulation and the
 * benchmarks their own (a mesibo client without `onCall` emits no mesibo metrics).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createLogger } from '../observability/logger';
import { functionMetrics } from '../observability/mesibo-metrics';
import { type Clock, systemClock } from '../ports';
import {
  type ApplyCheckpoint,
  type ApplyOutcome,
  applyGroupSyncMessage,
  DEFAULT_EDITS_IN_FLIGHT,
  type GroupMesibo,
} from './apply';
import type { WorkerConfig } from './config';
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
