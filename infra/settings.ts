/**
 * What each function accepts beyond the stack-owned environment, from the settings its catalogue entry
 * declares, so stage config cannot set a name the function never reads (a typo fails synth, not a call).
 */
import { ENV } from '../shared/config/env';
import { InvalidInput } from '../shared/errors';
import { type FunctionName, functionSpec } from '../shared/functions';
import { MAX_RECEIVE_COUNT_SETTING } from '../shared/group-sync/config';
import { TRACING_ENV } from '../shared/observability/tracing';
import { NOTIFY_ENV, type SendRules } from '../shared/system-messages/config';
import { checkSendable } from '../shared/system-messages/fan-out';
import { recurringScheduleInput } from '../shared/system-messages/schedule-input';
import type { ScheduledNotification } from '../shared/system-messages/schema';
import { TOKEN_ENV } from '../shared/user-tokens/config';

/** The setting of issue-user-token fed from `jwt.addressClaim`, so authorizer and function agree. */
export const ADDRESS_CLAIM_SETTING = TOKEN_ENV.TOKEN_ADDRESS_CLAIM;
/** send-system-message's sender; the stack copies it to issue-user-token, which never issues it a token. */
export const SYSTEM_SENDER_SETTING = NOTIFY_ENV.SYSTEM_SENDER_ADDRESS;
/** send-system-message's other senders; copied to issue-user-token like the default one. */
export const SYSTEM_SENDERS_SETTING = NOTIFY_ENV.SYSTEM_SENDERS;
/** The fan-out worker dead-letters poison batches itself; the stack sets the DLQ's URL. */
export const FANOUT_DLQ_URL_SETTING = NOTIFY_ENV.FANOUT_DLQ_URL;
/** Deliveries the fan-out worker attempts itself before dead-lettering. */
export const FANOUT_MAX_ATTEMPTS_SETTING = NOTIFY_ENV.FANOUT_MAX_ATTEMPTS;

/** Names the stack sets from its own resources or from typed config: never from `settings`. */
export const STACK_OWNED_ENV: ReadonlySet<string> = new Set<string>([
  ...Object.values(ENV),
  ADDRESS_CLAIM_SETTING,
  FANOUT_DLQ_URL_SETTING,
  MAX_RECEIVE_COUNT_SETTING,
  'NODE_OPTIONS',
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_LOG_LEVEL',
  'POWERTOOLS_METRICS_NAMESPACE',
  ...Object.keys(TRACING_ENV),
]);

/** Settings stage config may give a function: what it reads, minus what the stack owns. */
export const settingNamesFor = (name: FunctionName): readonly string[] =>
  functionSpec(name)
    .settings.map((s) => s.name)
    .filter((n) => !STACK_OWNED_ENV.has(n));

/** The value a function uses for a setting stage config leaves unset (undefined: none, or derived). */
export const settingDefault = (name: FunctionName, setting: string): string | undefined =>
  functionSpec(name).settings.find((s) => s.name === setting)?.default;

/** Returns a problem description, or undefined when the recurring-schedule payload is valid. */
export const validateSchedulePayload = (name: string, payload: unknown): string | undefined => {
  try {
    recurringScheduleInput(name, payload);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
};

/**
 * The fields of a valid recurring payload that send-system-message would refuse when it fires (a
 * `from` that is not a system sender, a `message.url` it does not allow), so synth fails instead.
 */
export const unsendableScheduleFields = (
  payload: unknown,
  rules: SendRules,
): { field: string; message: string }[] => {
  try {
    checkSendable(rules, payload as ScheduledNotification);
    return [];
  } catch (e) {
    if (e instanceof InvalidInput) return [...e.fields];
    throw e;
  }
};

/** The Scheduler target `Input` of a recurring schedule, as send-system-message parses it. */
export const scheduleTargetInput = (name: string, payload: unknown): string =>
  recurringScheduleInput(name, payload);
