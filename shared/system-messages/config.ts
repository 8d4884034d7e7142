/**
 * Typed configuration of send-system-message and its worker, parsed once from the environment. Their
 * schemas are what shared/settings.ts declares to the stack (the mesibo endpoint's come from shared/mesibo).
 */

import { csvVar, ENV, type Env, intVar, optionalVar, parseEnv, requiredVar } from '../config/env';
import { addressSchema } from '../mesibo/address';
import * as z from '../zod';

/** The sender of system messages unless SYSTEM_SENDER_ADDRESS names another. */
export const DEFAULT_SYSTEM_SENDER_ADDRESS = 'system';

/** Variables owned by this feature (beyond the shared ones in shared/config/env.ts). */
export const NOTIFY_ENV = {
  /** Sender of system messages when a payload names none (default `system`). */
  SYSTEM_SENDER_ADDRESS: 'SYSTEM_SENDER_ADDRESS',
  /** The addresses `from` may name, comma-separated (default: just SYSTEM_SENDER_ADDRESS, which is always one). */
  SYSTEM_SENDERS: 'SYSTEM_SENDERS',
  /** `true` lets `message.url` be an `http:` URL too (default: only `https:`). */
  MESSAGE_URL_ALLOW_HTTP: 'MESSAGE_URL_ALLOW_HTTP',
  /** Recipients per mesibo `message` call (comma-separated `to`), 1..500, default 50. */
  FANOUT_BATCH_SIZE: 'FANOUT_BATCH_SIZE',
  /** Items per users-table Scan page, one page per expansion step of `{ allUsers: true }`, default 500. */
  USERS_SCAN_PAGE_SIZE: 'USERS_SCAN_PAGE_SIZE',
  /** How long notification ids and batch outcomes are remembered, in days (default 30). */
  NOTIFY_RETENTION_DAYS: 'NOTIFY_RETENTION_DAYS',
  /** Deliveries of one batch before it goes to the DLQ (default 5); keep the queue's maxReceiveCount above it. */
  FANOUT_MAX_ATTEMPTS: 'FANOUT_MAX_ATTEMPTS',
  /** First retry delay in seconds, doubled per attempt with jitter, capped at 900 (default 10). */
  FANOUT_RETRY_BASE_SECONDS: 'FANOUT_RETRY_BASE_SECONDS',
  /** How long a started send is presumed alive; longer than one mesibo call can take (default 120). */
  FANOUT_SEND_LEASE_SECONDS: 'FANOUT_SEND_LEASE_SECONDS',
  /** URL of the fan-out queue's dead-letter queue; the worker puts records there with a reason. */
  FANOUT_DLQ_URL: 'FANOUT_DLQ_URL',
} as const;

/**
 * 50 recipients per call: mesibo documents no limit for a comma-separated `to`, so stay well below
 * anything a proxy could truncate (~13 KB of addresses at most), and keep small what one
 * unknown-outcome batch or one rejected recipient costs (at most 2n-1 calls to isolate it).
 */
export const DEFAULT_BATCH_SIZE = 50;
export const MAX_BATCH_SIZE = 500;

const required = requiredVar();

const retentionDays = intVar(30, 1, 3650);
const DAY_SECONDS = 86_400;

/** Who may be `from` and which URLs a message may carry: also checked on recurring schedules at synth. */
const SendRulesSchema = z.object({
  [NOTIFY_ENV.SYSTEM_SENDER_ADDRESS]: z._default(addressSchema, DEFAULT_SYSTEM_SENDER_ADDRESS),
  [NOTIFY_ENV.SYSTEM_SENDERS]: csvVar(addressSchema),
  [NOTIFY_ENV.MESSAGE_URL_ALLOW_HTTP]: z.pipe(optionalVar('false'), z.enum(['true', 'false'])),
});

export interface SendRules {
  systemSender: string;
  /** Every address `from` may name; the system sender first. */
  senders: readonly string[];
  allowHttpUrls: boolean;
}

const sendRules = (c: z.output<typeof SendRulesSchema>): SendRules => ({
  systemSender: c.SYSTEM_SENDER_ADDRESS,
  senders: [...new Set([c.SYSTEM_SENDER_ADDRESS, ...c.SYSTEM_SENDERS])],
  allowHttpUrls: c.MESSAGE_URL_ALLOW_HTTP === 'true',
});

export const sendRulesFromEnv = (env: Env): SendRules =>
  sendRules(parseEnv(SendRulesSchema, env, 'send-system-message'));

/** What send-system-message reads. */
export const SEND_ENV_SCHEMA = z.extend(SendRulesSchema, {
  [ENV.GROUPS_TABLE]: required,
  [ENV.IDEMPOTENCY_TABLE]: required,
  [ENV.FANOUT_QUEUE_URL]: required,
  [ENV.SCHEDULE_GROUP_NAME]: required,
  [ENV.SCHEDULER_ROLE_ARN]: required,
  [ENV.SCHEDULER_DLQ_ARN]: required,
  [NOTIFY_ENV.FANOUT_BATCH_SIZE]: intVar(DEFAULT_BATCH_SIZE, 1, MAX_BATCH_SIZE),
  [NOTIFY_ENV.USERS_SCAN_PAGE_SIZE]: intVar(500, 1, 10_000),
  [NOTIFY_ENV.NOTIFY_RETENTION_DAYS]: retentionDays,
});

/** What send-system-message-worker reads beside the mesibo endpoint. */
export const FANOUT_WORKER_ENV_SCHEMA = z.object({
  [ENV.MESIBO_APP_TOKEN_SECRET_ID]: required,
  [ENV.USERS_TABLE]: required,
  [ENV.IDEMPOTENCY_TABLE]: required,
  [ENV.FANOUT_QUEUE_URL]: required,
  [NOTIFY_ENV.FANOUT_DLQ_URL]: required,
  [NOTIFY_ENV.NOTIFY_RETENTION_DAYS]: retentionDays,
  [NOTIFY_ENV.FANOUT_MAX_ATTEMPTS]: intVar(5, 1, 100),
  [NOTIFY_ENV.FANOUT_RETRY_BASE_SECONDS]: intVar(10, 0, 900),
  [NOTIFY_ENV.FANOUT_SEND_LEASE_SECONDS]: intVar(120, 1, 43_200),
});

export interface SendConfig extends SendRules {
  groupsTable: string;
  idempotencyTable: string;
  fanoutQueueUrl: string;
  schedule: { groupName: string; roleArn: string; dlqArn: string };
  batchSize: number;
  usersPageSize: number;
  retentionSeconds: number;
}

export interface WorkerConfig {
  appTokenSecretId: string;
  usersTable: string;
  idempotencyTable: string;
  fanoutQueueUrl: string;
  fanoutDlqUrl: string;
  retentionSeconds: number;
  maxAttempts: number;
  retryBaseSeconds: number;
  leaseSeconds: number;
}

export const sendConfigFromEnv = (env: Env): SendConfig => {
  const c = parseEnv(SEND_ENV_SCHEMA, env, 'send-system-message');
  return {
    groupsTable: c.GROUPS_TABLE,
    idempotencyTable: c.IDEMPOTENCY_TABLE,
    fanoutQueueUrl: c.FANOUT_QUEUE_URL,
    schedule: {
      groupName: c.SCHEDULE_GROUP_NAME,
      roleArn: c.SCHEDULER_ROLE_ARN,
      dlqArn: c.SCHEDULER_DLQ_ARN,
    },
    ...sendRules(c),
    batchSize: c.FANOUT_BATCH_SIZE,
    usersPageSize: c.USERS_SCAN_PAGE_SIZE,
    retentionSeconds: c.NOTIFY_RETENTION_DAYS * DAY_SECONDS,
  };
};

export const workerConfigFromEnv = (env: Env): WorkerConfig => {
  const c = parseEnv(FANOUT_WORKER_ENV_SCHEMA, env, 'send-system-message-worker');
  return {
    appTokenSecretId: c.MESIBO_APP_TOKEN_SECRET_ID,
    usersTable: c.USERS_TABLE,
    idempotencyTable: c.IDEMPOTENCY_TABLE,
    fanoutQueueUrl: c.FANOUT_QUEUE_URL,
    fanoutDlqUrl: c.FANOUT_DLQ_URL,
    retentionSeconds: c.NOTIFY_RETENTION_DAYS * DAY_SECONDS,
    maxAttempts: c.FANOUT_MAX_ATTEMPTS,
    retryBaseSeconds: c.FANOUT_RETRY_BASE_SECONDS,
    leaseSeconds: c.FANOUT_SEND_LEASE_SECONDS,
  };
};
