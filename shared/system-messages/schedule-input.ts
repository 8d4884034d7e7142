/**
 * The event EventBridge Scheduler delivers to send-system-message: the schedule's `Input` JSON,
 * `{ source, schedule, scheduledTime?, notification }`. One-time schedules (created for `sendAt`)
 * carry the notification's id; recurring ones (declared in stack config) carry Scheduler's
 * `<aws.scheduler.scheduled-time>` placeholder instead, so every occurrence gets its own id while a
 * repeated invocation of the same occurrence keeps it.
 */

import { zodFields } from '../errors';
import * as z from '../zod';
import {
  RecurringNotificationSchema,
  type ScheduledNotification,
  ScheduledNotificationSchema,
} from './schema';

export const SCHEDULE_SOURCE = 'mesibo-serverless.schedule';
export const SCHEDULED_TIME_PLACEHOLDER = '<aws.scheduler.scheduled-time>';
/** Scheduler's rule for schedule names. */
export const SCHEDULE_NAME_PATTERN = /^[0-9A-Za-z._-]{1,64}$/;

export const ScheduleInputSchema = z.strictObject({
  source: z.literal(SCHEDULE_SOURCE),
  schedule: z.string().check(z.regex(SCHEDULE_NAME_PATTERN, 'must be a schedule name')),
  /** Filled in by Scheduler for recurring schedules. */
  scheduledTime: z.optional(z.iso.datetime({ offset: true })),
  notification: ScheduledNotificationSchema,
});
export type ScheduleInput = z.infer<typeof ScheduleInputSchema>;

/**
 * One-time schedules share the schedule group with the recurring ones declared in stack config; the
 * prefix, which recurring names may not use, keeps a notification id from colliding with one of them.
 */
export const ONE_TIME_SCHEDULE_PREFIX = 'once.';
export const oneTimeScheduleName = (notificationId: string): string =>
  `${ONE_TIME_SCHEDULE_PREFIX}${notificationId}`;

/** True for anything that claims to come from one of our schedules (it is validated afterwards). */
export const isScheduleInvocation = (event: unknown): boolean =>
  typeof event === 'object' && event !== null && (event as { source?: unknown }).source === SCHEDULE_SOURCE;

/** The input of the one-time schedule that sends `notification` later. */
export const oneTimeScheduleInput = (
  name: string,
  notification: ScheduledNotification & { notificationId: string },
): ScheduleInput => ({ source: SCHEDULE_SOURCE, schedule: name, notification });

/**
 * The `Input` string for a recurring schedule declared in stack config (for CDK's
 * `ScheduleTargetInput.fromText`). Throws, naming the field, when the payload is not valid, so a
 * bad declaration fails `cdk synth` instead of failing at 3 am.
 */
export const recurringScheduleInput = (name: string, payload: unknown): string => {
  if (!SCHEDULE_NAME_PATTERN.test(name)) {
    throw new Error(`recurring schedule name "${name}" must match ${SCHEDULE_NAME_PATTERN}`);
  }
  if (name.startsWith(ONE_TIME_SCHEDULE_PREFIX)) {
    throw new Error(
      `recurring schedule name "${name}" must not start with "${ONE_TIME_SCHEDULE_PREFIX}" (one-time schedules use it)`,
    );
  }
  const parsed = RecurringNotificationSchema.safeParse(payload);
  if (!parsed.success) {
    const problems = zodFields(parsed.error, 'notification').map((f) => `${f.field}: ${f.message}`);
    throw new Error(`recurring schedule "${name}" has an invalid payload: ${problems.join('; ')}`);
  }
  return JSON.stringify({
    source: SCHEDULE_SOURCE,
    schedule: name,
    scheduledTime: SCHEDULED_TIME_PLACEHOLDER,
    notification: parsed.data,
  });
};

/**
 * The notification id of one schedule occurrence: the one the payload carries, else
 * `<schedule>@<scheduled time, compact>` (e.g. `daily-digest@20250101T090000Z`). Caller ids cannot
 * contain `@`, so an occurrence never shares an id (and so a batch ledger entry) with one of them.
 */
export const occurrenceNotificationId = (input: ScheduleInput): string | undefined => {
  if (input.notification.notificationId) return input.notification.notificationId;
  if (!input.scheduledTime) return undefined;
  const compact = new Date(input.scheduledTime)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${input.schedule}@${compact}`;
};
