import * as z from '../zod';

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

const csvOf = (value: string): string[] => csv(value);

export type Env = Record<string, string | undefined>;

/** Blank variables count as unset, so defaults apply (a stack may set a variable to ''). */
const blankAsUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/** `schema` applied after blanks became undefined (zod/mini has no `preprocess`). */
export const unlessBlank = <S extends z.ZodMiniType>(schema: S) =>
  z.pipe(z.transform(blankAsUndefined), schema);

export const requiredVar = () =>
  unlessBlank(z.string({ error: 'is required' }).check(z.trim(), z.minLength(1, 'is required')));

export const optionalVar = (fallback: string) =>
  unlessBlank(z._default(z.string().check(z.trim()), fallback));

/** A comma-separated text as a list, each entry held to `item` and the list to `checks`. */
export const listOf = <S extends z.core.$ZodType<unknown, string>>(
  item: S,
  ...checks: z.core.$ZodCheck<z.output<S>[]>[]
) => z.pipe(z.transform(csvOf), z.array(item).check(...checks));

/** An optional comma-separated list (blank: empty), each entry held to `item`. */
export const csvVar = <S extends z.core.$ZodType<unknown, string>>(item: S) =>
  z.pipe(optionalVar(''), listOf(item));

/** A number from its text, then held to `schema`. */
const coercedNumber = <S extends z.ZodMiniType<number, number>>(schema: S) =>
  z.pipe(z.coerce.number({ error: 'must be a number' }), schema);

export const intVar = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  unlessBlank(
    z._default(
      coercedNumber(
        z
          .int('must be a whole number')
          .check(z.gte(min, `must be at least ${min}`), z.lte(max, `must be at most ${max}`)),
      ),
      fallback,
    ),
  );

/** A number held to the given checks (`z.gte`, `z.lt`, ...). */
export const numberVar = (fallback: number, ...checks: z.core.$ZodCheck<number>[]) =>
  unlessBlank(z._default(coercedNumber(z.number().check(...checks)), fallback));

/**
 * Parses a function's settings once at cold start. Every problem is reported at once, naming the
 * variable and never echoing its value (a misplaced secret must not reach the logs).
 */
export const parseEnv = <S extends z.ZodMiniType>(schema: S, env: Env, functionName: string): z.output<S> => {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new Error(`invalid ${functionName} configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
};
