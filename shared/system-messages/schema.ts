/**
 * The system-message payload: one strict schema for the HTTP body, for the input of the Scheduler
 * schedules that invoke send-system-message, and (reshaped into batches) for the fan-out queue.
 * The wire shape is kept as is after parsing, so a payload can be stored in a schedule and parsed again.
 */

import { addressSchema } from '../mesibo/address';
import * as z from '../zod';

/** Part of the one-time schedule's name (`once.<id>`), so within Scheduler's rules (≤ 64, `[0-9A-Za-z._-]`). */
export const NOTIFICATION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,58}$/;
export const MAX_ADDRESSES = 10_000;
export const MAX_TEXT_LENGTH = 8_000;

export const NotificationIdSchema = z
  .string()
  .check(
    z.regex(
      NOTIFICATION_ID_PATTERN,
      'must be 1-59 characters of A-Z a-z 0-9 . _ - starting with a letter or digit',
    ),
  );

export const DeliverySchema = z.enum(['at-most-once', 'at-least-once']);
export type Delivery = z.infer<typeof DeliverySchema>;
export const DEFAULT_DELIVERY: Delivery = 'at-most-once';

export const MessageSchema = z.strictObject({
  text: z.string().check(
    z.maxLength(MAX_TEXT_LENGTH),
    z.refine((s) => s.trim() !== '', 'must not be empty'),
  ),
  title: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
  url: z.optional(z.url().check(z.maxLength(2048))),
  /** App-defined message type (mesibo `type`). */
  type: z.optional(z.int().check(z.gte(0), z.lte(2_147_483_647))),
  /** mesibo `expiry`, in seconds; 0 = deliver only to users online now. */
  expirySeconds: z.optional(z.int().check(z.gte(0), z.lte(10 * 365 * 24 * 3600))),
});
export type NotificationMessage = z.infer<typeof MessageSchema>;

const GroupRefSchema = z
  .strictObject({
    /** The customer's own group key, mapped to a mesibo gid by group sync. */
    key: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
    gid: z.optional(z.int().check(z.positive())),
  })
  .check(z.refine((g) => (g.key === undefined) !== (g.gid === undefined), 'give exactly one of key or gid'));

export const AudienceSchema = z
  .strictObject({
    addresses: z.optional(z.array(addressSchema).check(z.minLength(1), z.maxLength(MAX_ADDRESSES))),
    group: z.optional(GroupRefSchema),
    allUsers: z.optional(z.literal(true)),
  })
  .check(
    z.refine(
      (a) => [a.addresses, a.group, a.allUsers].filter((kind) => kind !== undefined).length === 1,
      'give exactly one of addresses, group or allUsers',
    ),
  );
export type AudienceInput = z.infer<typeof AudienceSchema>;

export const NotificationSchema = z.strictObject({
  notificationId: z.optional(NotificationIdSchema),
  /** Sender address; defaults to the configured system sender. */
  from: z.optional(addressSchema),
  audience: AudienceSchema,
  message: MessageSchema,
  delivery: z.optional(DeliverySchema),
  /** ISO 8601 with a zone (`Z` or an offset); must be in the future (checked against the clock). */
  sendAt: z.optional(z.iso.datetime({ offset: true })),
});
export type Notification = z.infer<typeof NotificationSchema>;

/** What a schedule carries: the notification without `sendAt` (its time is the schedule's). */
export const ScheduledNotificationSchema = z.omit(NotificationSchema, { sendAt: true });
export type ScheduledNotification = z.infer<typeof ScheduledNotificationSchema>;

/** Recurring schedules derive a fresh id for every occurrence, so they carry none. */
export const RecurringNotificationSchema = z.omit(ScheduledNotificationSchema, { notificationId: true });

/** The audience as the use cases work with it. */
export type Audience =
  | { kind: 'addresses'; addresses: string[] }
  | { kind: 'groupKey'; key: string }
  | { kind: 'gid'; gid: number }
  | { kind: 'allUsers' };

/** Narrows a validated audience (the schema guarantees exactly one kind). */
export const audienceOf = (a: AudienceInput): Audience => {
  if (a.addresses) return { kind: 'addresses', addresses: a.addresses };
  if (a.group?.key !== undefined) return { kind: 'groupKey', key: a.group.key };
  if (a.group?.gid !== undefined) return { kind: 'gid', gid: a.group.gid };
  return { kind: 'allUsers' };
};
