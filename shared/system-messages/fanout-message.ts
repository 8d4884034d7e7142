/**
 * What travels on the fan-out queue: one batch of one notification, self-contained so the worker
 * needs nothing but mesibo and the batch ledger ((notificationId, batch) is the batch's identity), or
 * one step of expanding an all-users audience ((notificationId, step) is the step's identity).
 */

import { addressSchema } from '../mesibo/address';
import * as z from '../zod';
import { DeliverySchema, MessageSchema } from './schema';

const notificationId = z.string().check(z.minLength(1), z.maxLength(200));
const count = (min: number) => z.int().check(z.gte(min));

export const FanoutBatchSchema = z
  .strictObject({
    v: z.literal(1),
    /** Ids derived for recurring schedules may be longer than client-given ones. */
    notificationId,
    batch: count(0),
    from: addressSchema,
    delivery: DeliverySchema,
    message: MessageSchema,
    to: z.optional(z.array(addressSchema).check(z.minLength(1))),
    gid: z.optional(z.int().check(z.positive())),
  })
  .check(z.refine((b) => (b.to === undefined) !== (b.gid === undefined), 'a batch has either to or gid'));
export type FanoutBatch = z.infer<typeof FanoutBatchSchema>;

/**
 * One step of expanding `{ allUsers: true }`: read one users-table page from `cursor`, enqueue its
 * batches numbered from `firstBatch`, then enqueue step `step + 1` from the page's LastEvaluatedKey.
 * Page and batch sizes travel with the task, so a retried step cuts the same batches.
 */
export const ExpansionTaskSchema = z.strictObject({
  v: z.literal(1),
  kind: z.literal('expand'),
  notificationId,
  step: count(0),
  /** The page's ExclusiveStartKey (absent for step 0). */
  cursor: z.optional(z.record(z.string(), z.string())),
  firstBatch: count(0),
  /** Recipients enqueued by the steps before this one. */
  recipientsBefore: count(0),
  /** The previous page's last address: a user's items may straddle two pages. */
  lastAddress: z.optional(addressSchema),
  pageSize: count(1),
  batchSize: count(1),
  from: addressSchema,
  delivery: DeliverySchema,
  message: MessageSchema,
});
export type ExpansionTask = z.infer<typeof ExpansionTaskSchema>;

/** Why a record was put on a dead-letter queue by our code (rather than by SQS redrive). */
export type DeadLetterReason =
  /** A fan-out message that is not a valid batch; retrying cannot help. */
  | 'invalid-batch'
  /** A batch still failing retryably after the configured number of attempts. */
  | 'attempts-exhausted'
  /** mesibo may or may not have sent the batch, and the notification is at-most-once. */
  | 'outcome-unknown'
  /** A Scheduler invocation whose input is not a valid schedule input. */
  | 'invalid-schedule-input'
  /** A valid schedule input that cannot be sent (e.g. its group key no longer exists). */
  | 'schedule-not-sendable';

export interface DeadLetterRecord {
  reason: DeadLetterReason;
  detail: string;
  notificationId?: string;
  /** The batch's key: its number, with `.0`/`.1` suffixes for the halves of a split batch. */
  batch?: string;
  /** The batch or schedule input as received, for a manual replay. */
  original: unknown;
  /** Secret-free error details (e.g. a MesiboError's JSON). */
  error?: unknown;
  attempts?: number;
  /** ISO 8601. */
  at: string;
}
