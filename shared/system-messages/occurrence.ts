/**
 * A Scheduler invocation: one occurrence of a recurring schedule, or the one-time schedule of a
 * `sendAt` notification. The occurrence is fanned out once per occurrence id, however often Scheduler
 * or Lambda retries the invocation. An input that can never be sent is not thrown back (which would
 * make Lambda retry it) but put on the DLQ with the reason.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { InvalidInput, NotFound, PayloadTooLarge, zodFields } from '../errors';
import type { Clock } from '../ports';
import { checkSendable, type FanOutDeps, type FanOutSummary, fanOut } from './fan-out';
import type { DeadLetterReason } from './fanout-message';
import { type DeadLetters, OnceConflictError, type OnceGate } from './ports';
import { occurrenceNotificationId, ScheduleInputSchema } from './schedule-input';

export interface OccurrenceDeps extends FanOutDeps {
  clock: Clock;
  gate: OnceGate;
  deadLetters: DeadLetters;
  logger: Logger;
}

export type OccurrenceOutcome =
  | ({ status: 'sent'; notificationId: string } & FanOutSummary)
  | { status: 'dead-lettered'; reason: DeadLetterReason; detail: string };

export const OCCURRENCE_SCOPE = 'notify.occurrence';

export const handleOccurrence = async (deps: OccurrenceDeps, event: unknown): Promise<OccurrenceOutcome> => {
  const deadLetter = async (reason: DeadLetterReason, detail: string, notificationId?: string) => {
    await deps.deadLetters.put({
      reason,
      detail,
      notificationId,
      original: event,
      at: new Date(deps.clock.now()).toISOString(),
    });
    deps.metrics.count('ScheduleInputsRejected');
    deps.logger.error('schedule input dead-lettered', { reason, detail, notificationId });
    return { status: 'dead-lettered' as const, reason, detail };
  };

  const parsed = ScheduleInputSchema.safeParse(event);
  if (!parsed.success) {
    const detail = zodFields(parsed.error)
      .map((f) => `${f.field}: ${f.message}`)
      .join('; ');
    return deadLetter('invalid-schedule-input', detail);
  }
  const input = parsed.data;
  const notificationId = occurrenceNotificationId(input);
  if (notificationId === undefined) {
    return deadLetter('invalid-schedule-input', 'notification.notificationId or scheduledTime is required');
  }
  try {
    checkSendable(deps, input.notification);
    const summary = await deps.gate.once(OCCURRENCE_SCOPE, notificationId, input.notification, () =>
      fanOut(deps, { ...input.notification, notificationId }),
    );
    return { status: 'sent', notificationId, ...summary };
  } catch (e) {
    // What no retry can fix: a rule the notification breaks, or a group that is not there.
    if (e instanceof InvalidInput || e instanceof NotFound || e instanceof PayloadTooLarge) {
      return deadLetter('schedule-not-sendable', e.message, notificationId);
    }
    if (e instanceof OnceConflictError) {
      const detail = 'this notification id was already used with another payload';
      return deadLetter('schedule-not-sendable', detail, notificationId);
    }
    // Transient (DynamoDB, SQS) or in progress elsewhere: let Lambda retry.
    throw e;
  }
};
