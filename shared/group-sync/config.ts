/**
 * Group-sync settings, read once at cold start. The environment carries names and numbers only; the
 * webhook secrets and the mesibo app token are fetched from Secrets Manager at run time.
 */

import { ENV, type Env, intVar, parseEnv, requiredVar } from '../config/env';
import { DEFAULT_TOLERANCE_SECONDS } from '../webhook/signature';
import * as z from '../zod';

export const GROUP_SYNC_DEFAULTS = {
  maxMembers: 20_000,
  chunkSize: 100,
  toleranceSeconds: DEFAULT_TOLERANCE_SECONDS,
  recordTtlDays: 30,
} as const;

const required = requiredVar();
const positiveInt = (fallback: number, max: number) => intVar(fallback, 1, max);

const SharedSchema = z.object({
  [ENV.GROUPS_TABLE]: required,
  GROUP_MAX_MEMBERS: positiveInt(GROUP_SYNC_DEFAULTS.maxMembers, 1_000_000),
  GROUP_SYNC_RECORD_TTL_DAYS: positiveInt(GROUP_SYNC_DEFAULTS.recordTtlDays, 3650),
});

/** What sync-group reads; shared/settings.ts declares it. */
export const RECEIVER_ENV_SCHEMA = z.extend(SharedSchema, {
  [ENV.WEBHOOK_SECRET_ID]: required,
  [ENV.GROUP_SYNC_QUEUE_URL]: required,
  WEBHOOK_TOLERANCE_SECONDS: positiveInt(GROUP_SYNC_DEFAULTS.toleranceSeconds, 86_400),
});

/** The queue's maxReceiveCount (0 or unset: unknown), set by the stack: the worker says when a failure dead-letters. */
export const MAX_RECEIVE_COUNT_SETTING = 'GROUP_SYNC_MAX_RECEIVE_COUNT';

/** What sync-group-worker reads beside the mesibo endpoint; shared/settings.ts declares it. */
export const WORKER_ENV_SCHEMA = z.extend(SharedSchema, {
  [ENV.MESIBO_APP_TOKEN_SECRET_ID]: required,
  GROUP_SYNC_CHUNK_SIZE: positiveInt(GROUP_SYNC_DEFAULTS.chunkSize, 10_000),
  [MAX_RECEIVE_COUNT_SETTING]: intVar(0, 0, 1000),
});

/** Settings of the webhook route (sync-group). */
export interface ReceiverConfig {
  groupsTable: string;
  webhookSecretId: string;
  queueUrl: string;
  maxMembers: number;
  toleranceSeconds: number;
  recordTtlSeconds: number;
}

/** Settings of the worker (sync-group-worker); the mesibo endpoint comes from mesiboOptionsFromEnv. */
export interface WorkerConfig {
  groupsTable: string;
  appTokenSecretId: string;
  maxMembers: number;
  chunkSize: number;
  recordTtlSeconds: number;
  /** The queue's maxReceiveCount; absent when not set. */
  maxReceiveCount?: number;
}

const DAY_SECONDS = 86_400;

export const receiverConfigFromEnv = (env: Env = process.env): ReceiverConfig => {
  const e = parseEnv(RECEIVER_ENV_SCHEMA, env, 'sync-group');
  return {
    groupsTable: e.GROUPS_TABLE,
    webhookSecretId: e.WEBHOOK_SECRET_ID,
    queueUrl: e.GROUP_SYNC_QUEUE_URL,
    maxMembers: e.GROUP_MAX_MEMBERS,
    toleranceSeconds: e.WEBHOOK_TOLERANCE_SECONDS,
    recordTtlSeconds: e.GROUP_SYNC_RECORD_TTL_DAYS * DAY_SECONDS,
  };
};

export const workerConfigFromEnv = (env: Env = process.env): WorkerConfig => {
  const e = parseEnv(WORKER_ENV_SCHEMA, env, 'sync-group-worker');
  return {
    groupsTable: e.GROUPS_TABLE,
    appTokenSecretId: e.MESIBO_APP_TOKEN_SECRET_ID,
    maxMembers: e.GROUP_MAX_MEMBERS,
    chunkSize: e.GROUP_SYNC_CHUNK_SIZE,
    recordTtlSeconds: e.GROUP_SYNC_RECORD_TTL_DAYS * DAY_SECONDS,
    ...(e.GROUP_SYNC_MAX_RECEIVE_COUNT ? { maxReceiveCount: e.GROUP_SYNC_MAX_RECEIVE_COUNT } : {}),
  };
};
