/**
 * Environment variable names every function and the stack agree on. The environment carries names,
 * ARNs, URLs and numbers, never a secret value.
 */
export const ENV = {
  // mesibo
  MESIBO_API_URL: 'MESIBO_API_URL',
  /** `json` (current /backend/ API, default) or `legacy` (api.php). */
  MESIBO_API_STYLE: 'MESIBO_API_STYLE',
  /** Secrets Manager id/ARN of the secret whose SecretString is the mesibo app token. */
  MESIBO_APP_TOKEN_SECRET_ID: 'MESIBO_APP_TOKEN_SECRET_ID',
  // tables (see storage/tables.ts)
  USERS_TABLE: 'USERS_TABLE',
  GROUPS_TABLE: 'GROUPS_TABLE',
  IDEMPOTENCY_TABLE: 'IDEMPOTENCY_TABLE',
  // webhook signing secrets: SecretString is JSON {"current": "...", "previous": "..."}
  WEBHOOK_SECRET_ID: 'WEBHOOK_SECRET_ID',
  // queues
  GROUP_SYNC_QUEUE_URL: 'GROUP_SYNC_QUEUE_URL',
  FANOUT_QUEUE_URL: 'FANOUT_QUEUE_URL',
  // one-time schedules created by send-system-message
  SCHEDULE_GROUP_NAME: 'SCHEDULE_GROUP_NAME',
  SCHEDULER_ROLE_ARN: 'SCHEDULER_ROLE_ARN',
  SCHEDULER_DLQ_ARN: 'SCHEDULER_DLQ_ARN',
} as const;

/** Reads a comma-separated list, dropping blanks. */
export const csv = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
