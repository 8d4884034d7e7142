import * as z from 'zod';

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

export type Env = Record<string, string | undefined>;

/** Blank variables count as unset, so defaults apply (a stack may set a variable to ''). */
const blankAsUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

export const requiredVar = () =>
  z.preprocess(blankAsUndefined, z.string({ error: 'is required' }).trim().min(1, 'is required'));

export const optionalVar = (fallback: string) =>
  z.preprocess(blankAsUndefined, z.string().trim().default(fallback));

export const intVar = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(
    blankAsUndefined,
    z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`)
      .default(fallback),
  );

export const numberVar = (fallback: number, schema: (n: z.ZodNumber) => z.ZodNumber) =>
  z.preprocess(blankAsUndefined, schema(z.coerce.number({ error: 'must be a number' })).default(fallback));

/**
 * Parses a function's settings once at cold start. Every problem is reported at once, naming the
 * variable and never echoing its value (a misplaced secret must not reach the logs).
 */
export const parseEnv = <S extends z.ZodType>(schema: S, env: Env, functionName: string): z.output<S> => {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new Error(`invalid ${functionName} configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
};
