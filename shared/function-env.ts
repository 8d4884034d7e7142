/**
 * The environment a function gets from the resources it uses (its `uses` and `consumes` in the
 * catalogue): names, URLs and ARNs, never a secret value. One mapping for every place that runs the
 * functions with real resource names: the local stack and the cold-start benchmark (the CDK stack
 * binds the same names to its resources, with their grants, in infra/stack.ts).
 */
import { ENV } from './config/env';
import type { FunctionSpec, Resource } from './functions';
import { MAX_RECEIVE_COUNT_SETTING } from './group-sync/config';
import { NOTIFY_ENV } from './system-messages/config';

/** Where each resource is, as the platform running the functions names it. */
export interface ResourceLocations {
  mesibo: { apiUrl: string; apiStyle: string };
  appTokenSecretId: string;
  webhookSecretId: string;
  tables: { usersTable: string; groupsTable: string; idempotencyTable: string };
  queues: {
    groupSyncQueueUrl: string;
    /** The group-sync queue's maxReceiveCount, so the worker can say when a failure dead-letters. */
    groupSyncMaxReceiveCount: number;
    fanoutQueueUrl: string;
    fanoutDlqUrl: string;
  };
  scheduler: { groupName: string; roleArn: string; dlqArn: string };
}

const resourceEnv = (at: ResourceLocations): Record<Resource, Record<string, string>> => ({
  mesibo: {
    [ENV.MESIBO_API_URL]: at.mesibo.apiUrl,
    [ENV.MESIBO_API_STYLE]: at.mesibo.apiStyle,
    [ENV.MESIBO_APP_TOKEN_SECRET_ID]: at.appTokenSecretId,
  },
  appTokenSecret: { [ENV.MESIBO_APP_TOKEN_SECRET_ID]: at.appTokenSecretId },
  webhookSecret: { [ENV.WEBHOOK_SECRET_ID]: at.webhookSecretId },
  usersTable: { [ENV.USERS_TABLE]: at.tables.usersTable },
  groupsTable: { [ENV.GROUPS_TABLE]: at.tables.groupsTable },
  idempotencyTable: { [ENV.IDEMPOTENCY_TABLE]: at.tables.idempotencyTable },
  groupSyncQueue: { [ENV.GROUP_SYNC_QUEUE_URL]: at.queues.groupSyncQueueUrl },
  fanoutQueue: { [ENV.FANOUT_QUEUE_URL]: at.queues.fanoutQueueUrl },
  scheduler: {
    [ENV.SCHEDULE_GROUP_NAME]: at.scheduler.groupName,
    [ENV.SCHEDULER_ROLE_ARN]: at.scheduler.roleArn,
    [ENV.SCHEDULER_DLQ_ARN]: at.scheduler.dlqArn,
  },
});

/** What consuming a queue adds: the worker dead-letters itself, or reports when SQS will. */
const consumerEnv = (
  at: ResourceLocations,
): Record<NonNullable<FunctionSpec['consumes']>, Record<string, string>> => ({
  groupSyncQueue: { [MAX_RECEIVE_COUNT_SETTING]: String(at.queues.groupSyncMaxReceiveCount) },
  fanoutQueue: { [NOTIFY_ENV.FANOUT_DLQ_URL]: at.queues.fanoutDlqUrl },
});

export const resourceEnvironment = (spec: FunctionSpec, at: ResourceLocations): Record<string, string> => {
  const byResource = resourceEnv(at);
  return Object.assign(
    {},
    ...spec.uses.map((resource) => byResource[resource]),
    spec.consumes ? consumerEnv(at)[spec.consumes] : {},
  );
};
