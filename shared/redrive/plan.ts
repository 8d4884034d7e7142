/**
 * What a redrive does with one dead letter: where its original work goes and what to send there.
 * The same rules serve the `npm run redrive` command against AWS and the local console's button, so
 * a redrive never sends back a wrapper record for the worker to re-dead-letter as `invalid-batch`.
 *
 * - fan-out DLQ: a record our worker wrote (`attempts-exhausted`) goes back as the batch it carries,
 *   with its notificationId and batch number, so the batch ledger still sends each batch at most
 *   once; a batch SQS moved after `maxReceiveCount` goes back as it is.
 * - group-sync DLQ: the message as it is, in its message group (the group key), with a fresh
 *   deduplication id (the worker's delivery ledger absorbs a repeat).
 * - scheduler DLQ: the schedule input, from Scheduler's own dead letter (the input itself) or from
 *   Lambda's on-failure record (`requestPayload`), is delivered to send-system-message again; its
 *   occurrence handler sends an occurrence once per notification id.
 *
 * Anything else stays in the DLQ with the reason it stays: a redrive never drops a letter.
 */

import type { QueueMessage } from '../ports';
import { ExpansionTaskSchema, FanoutBatchSchema } from '../system-messages/fanout-message';
import { type ScheduleInput, ScheduleInputSchema } from '../system-messages/schedule-input';

export const REDRIVE_QUEUES = ['fanout', 'group-sync', 'scheduler'] as const;
export type RedriveQueue = (typeof REDRIVE_QUEUES)[number];

export interface DeadLetterView {
  body: string;
  /** FIFO: the message group the letter had. */
  groupId?: string;
  /** The error code the DLQ gives, when it gives one (Scheduler's `ERROR_CODE` attribute). */
  errorCode?: string;
}

export type RedrivePlan =
  /** Put `message` back on the work queue. */
  | { action: 'enqueue'; reason: string; message: QueueMessage }
  /** Deliver this schedule input to send-system-message again. */
  | { action: 'invoke'; reason: string; input: ScheduleInput }
  | { action: 'keep'; reason: string; why: string };

const parseJson = (body: string): unknown => {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** A dead-letter record our own code wrote (`DeadLetterRecord`), told apart from work items by shape. */
const asRecord = (json: unknown): { reason: string; original: unknown } | undefined =>
  isObject(json) && typeof json.reason === 'string' && 'original' in json && typeof json.at === 'string'
    ? { reason: json.reason, original: json.original }
    : undefined;

const keep = (reason: string, why: string): RedrivePlan => ({ action: 'keep', reason, why });

/** What the fan-out queue carries: a batch, or a step of an all-users expansion. */
const fanoutWork = (json: unknown) => {
  const batch = FanoutBatchSchema.safeParse(json);
  return batch.success ? batch : ExpansionTaskSchema.safeParse(json);
};

const planFanout = (letter: DeadLetterView, json: unknown): RedrivePlan => {
  const record = asRecord(json);
  if (record) {
    switch (record.reason) {
      case 'attempts-exhausted': {
        const work = fanoutWork(record.original);
        if (!work.success) return keep(record.reason, 'the record does not carry a valid batch or step');
        return { action: 'enqueue', reason: record.reason, message: { body: JSON.stringify(work.data) } };
      }
      case 'outcome-unknown':
        return keep(
          record.reason,
          'an at-most-once batch mesibo may already have sent; the record is the report of it',
        );
      case 'invalid-batch':
        return keep(record.reason, 'not a batch; sending it again cannot succeed');
      default:
        return keep(record.reason, 'not a fan-out dead-letter reason');
    }
  }
  if (fanoutWork(json).success) {
    return { action: 'enqueue', reason: 'max-receives', message: { body: letter.body } };
  }
  return keep('unrecognized', 'neither a batch, an expansion step nor a dead-letter record');
};

const groupKeyOf = (json: unknown): string | undefined => {
  const group = isObject(json) && isObject(json.event) ? json.event.group : undefined;
  return isObject(group) && typeof group.key === 'string' ? group.key : undefined;
};

const planGroupSync = (letter: DeadLetterView, json: unknown, newId: () => string): RedrivePlan => {
  if (!isObject(json) || typeof json.deliveryId !== 'string') {
    return keep('unrecognized', 'not a group-sync message');
  }
  const groupId = letter.groupId ?? groupKeyOf(json);
  if (!groupId) return keep('unrecognized', 'no message group (group key) to send it in');
  return {
    action: 'enqueue',
    reason: 'max-receives',
    // The original deduplication id would be dropped by SQS within its 5-minute window.
    message: { body: letter.body, groupId, deduplicationId: newId() },
  };
};

const asScheduleInput = (reason: string, input: unknown): RedrivePlan => {
  const parsed = ScheduleInputSchema.safeParse(input);
  if (!parsed.success) return keep(reason, 'the schedule input is not valid; it would fail again');
  return { action: 'invoke', reason, input: parsed.data };
};

const planScheduler = (letter: DeadLetterView, json: unknown): RedrivePlan => {
  const record = asRecord(json);
  if (record) {
    // `schedule-not-sendable` may be fixed since (a group created); the function decides again.
    if (record.reason === 'schedule-not-sendable') return asScheduleInput(record.reason, record.original);
    if (record.reason === 'invalid-schedule-input') {
      return keep(record.reason, 'the schedule input is not valid; it would fail again');
    }
    return keep(record.reason, 'not a scheduler dead-letter reason');
  }
  // Lambda's on-failure destination record of an asynchronous invocation that kept throwing.
  if (isObject(json) && 'requestPayload' in json && isObject(json.requestContext)) {
    const condition = json.requestContext.condition;
    return asScheduleInput(
      typeof condition === 'string' ? `lambda: ${condition}` : 'lambda',
      json.requestPayload,
    );
  }
  // Scheduler's own dead letter: the schedule's input as it was to be delivered.
  if (isObject(json) && 'source' in json) {
    return asScheduleInput(letter.errorCode ? `scheduler: ${letter.errorCode}` : 'scheduler', json);
  }
  return keep('unrecognized', 'neither a schedule input nor a dead-letter record');
};

/** `newId` gives fresh FIFO deduplication ids. */
export const planRedrive = (
  queue: RedriveQueue,
  letter: DeadLetterView,
  newId: () => string,
): RedrivePlan => {
  const json = parseJson(letter.body);
  if (json === undefined) return keep('unrecognized', 'the body is not JSON');
  switch (queue) {
    case 'fanout':
      return planFanout(letter, json);
    case 'group-sync':
      return planGroupSync(letter, json, newId);
    case 'scheduler':
      return planScheduler(letter, json);
  }
};
