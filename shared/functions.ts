/**
 * The function catalogue: every Lambda of the product, where its handler lives, which resources it
 * uses and which settings it reads. infra/ turns `uses` into environment variables and least-privilege
 * grants and `settings` into what stage config may set; local/ wires the same handlers in-process with
 * the same variables. Only tooling imports it as a value: no function bundle carries another's schemas.
 */
import { RECEIVER_ENV_SCHEMA, WORKER_ENV_SCHEMA } from './group-sync/config';
import { HEALTH_SETTINGS } from './health/deps';
import { MESIBO_ENDPOINT_ENV_SCHEMA } from './mesibo/env';
import { requiredSettings, type Setting, settingsOf } from './settings';
import { FANOUT_WORKER_ENV_SCHEMA, SEND_ENV_SCHEMA } from './system-messages/config';
import { TOKEN_ENV_SCHEMA } from './user-tokens/config';

export type FunctionName =
  | 'issue-user-token'
  | 'sync-group'
  | 'sync-group-worker'
  | 'send-system-message'
  | 'send-system-message-worker'
  | 'health';

export type Resource =
  /** Calls the mesibo backend API: needs the app token secret and (in production) static egress. */
  | 'mesibo'
  /** Reads the app token secret without calling mesibo (readiness): no egress, no mesibo settings. */
  | 'appTokenSecret'
  | 'usersTable'
  | 'groupsTable'
  | 'idempotencyTable'
  | 'webhookSecret'
  /** Sends to the group-sync FIFO queue. */
  | 'groupSyncQueue'
  /** Sends to the fan-out queue. */
  | 'fanoutQueue'
  /** Creates one-time EventBridge Scheduler schedules that invoke send-system-message. */
  | 'scheduler';

export type TableResource = Extract<Resource, `${string}Table`>;

export interface FunctionSpec {
  name: FunctionName;
  /** Lambda entry module, relative to the repository root; exports `handler`, wired at init. */
  entry: string;
  description: string;
  uses: readonly Resource[];
  /** Tables among `uses` that this function only reads: it is granted read access only. */
  readsOnly?: readonly TableResource[];
  /** The SQS queue this function consumes, if any. */
  consumes?: 'groupSyncQueue' | 'fanoutQueue';
  /** Every variable it reads, from its config schemas: it receives these and no others. */
  settings: readonly Setting[];
}

export const functionSpecs: readonly FunctionSpec[] = [
  {
    name: 'issue-user-token',
    entry: 'functions/issue-user-token/index.ts',
    description: 'Issues, caches, revokes and deletes mesibo user tokens',
    uses: ['mesibo', 'usersTable'],
    settings: settingsOf(TOKEN_ENV_SCHEMA, MESIBO_ENDPOINT_ENV_SCHEMA),
  },
  {
    name: 'sync-group',
    entry: 'functions/sync-group/index.ts',
    description: 'Verifies signed group webhooks and enqueues them per group',
    uses: ['webhookSecret', 'groupsTable', 'groupSyncQueue'],
    settings: settingsOf(RECEIVER_ENV_SCHEMA),
  },
  {
    name: 'sync-group-worker',
    entry: 'functions/sync-group-worker/index.ts',
    description: 'Applies group changes to mesibo, only the difference',
    uses: ['mesibo', 'groupsTable'],
    consumes: 'groupSyncQueue',
    settings: settingsOf(WORKER_ENV_SCHEMA, MESIBO_ENDPOINT_ENV_SCHEMA),
  },
  {
    name: 'send-system-message',
    entry: 'functions/send-system-message/index.ts',
    description: 'Accepts system messages (HTTP and schedules), enqueues their fan-out, answers their status',
    // No mesibo: the worker creates senders and sends; accepting never waits on mesibo.
    uses: ['groupsTable', 'idempotencyTable', 'fanoutQueue', 'scheduler'],
    // Resolves group keys; never writes group sync's table.
    readsOnly: ['groupsTable'],
    settings: settingsOf(SEND_ENV_SCHEMA),
  },
  {
    name: 'send-system-message-worker',
    entry: 'functions/send-system-message-worker/index.ts',
    description: 'Expands all-users audiences page by page and sends each fan-out batch to mesibo once',
    uses: ['mesibo', 'usersTable', 'idempotencyTable', 'fanoutQueue'],
    // Lists cached users for `allUsers` (keys only); never writes the users table.
    readsOnly: ['usersTable'],
    consumes: 'fanoutQueue',
    settings: settingsOf(FANOUT_WORKER_ENV_SCHEMA, MESIBO_ENDPOINT_ENV_SCHEMA),
  },
  {
    name: 'health',
    entry: 'functions/health/index.ts',
    description: 'Liveness, calling no dependency; readiness (?deep=1) reports which secrets are set',
    uses: ['appTokenSecret', 'webhookSecret'],
    settings: requiredSettings(HEALTH_SETTINGS),
  },
];

export const functionSpec = (name: FunctionName): FunctionSpec => {
  const spec = functionSpecs.find((f) => f.name === name);
  if (!spec) throw new Error(`unknown function ${name}`);
  return spec;
};
