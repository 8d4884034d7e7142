/**
 * `POST /v1/system-messages`: one notification per notificationId. Without `sendAt` it is fanned out
 * now; with it, a one-time Scheduler schedule named after the id (`once.<id>`) is created to invoke this function
 * at that time. A repeat of the same id with the same payload gets the first answer again and
 * changes nothing; with a different payload it is a conflict.
 */
import { Conflict, InvalidInput, PayloadTooLarge } from '../errors';
import type { Clock, OneTimeScheduler } from '../ports';
import { MAX_SCHEDULE_INPUT_BYTES } from '../scheduler/eventbridge-scheduler';
import { checkSendable, type FanOutDeps, type FanOutSummary, fanOut, resolveAudience } from './fan-out';
import { OnceConflictError, type OnceGate, OnceInProgressError } from './ports';
import { oneTimeScheduleInput, oneTimeScheduleName } from './schedule-input';
import { audienceOf, type Notification } from './schema';

export interface AcceptDeps extends FanOutDeps {
  clock: Clock;
  newId: () => string;
  gate: OnceGate;
  /** A scheduler whose schedules invoke `targetArn` (this function, from the invocation context). */
  schedulerFor: (targetArn: string) => OneTimeScheduler;
  /** How long notification ids are remembered; `sendAt` may be no further ahead, so a repeat is caught. */
  retentionSeconds: number;
}

export type Accepted =
  | { notificationId: string; scheduledFor: string }
  | ({ notificationId: string } & FanOutSummary);

export const SUBMISSION_SCOPE = 'notify.submission';

/** A schedule carries the whole notification, and Scheduler caps what it carries. */
const scheduleTooLarge = () =>
  new PayloadTooLarge(
    `A scheduled notification must fit in ${MAX_SCHEDULE_INPUT_BYTES} bytes; send it now, or address a group`,
    [{ field: 'audience.addresses', message: 'too large for a scheduled notification' }],
  );

/** A repeat of an id is a conflict for the caller: a different payload, or the first still running. */
const onceOrConflict = async <T>(run: () => Promise<T>): Promise<T> => {
  try {
    return await run();
  } catch (e) {
    if (e instanceof OnceConflictError) {
      throw new Conflict('notification-id-conflict', e.message, {
        fields: [{ field: 'notificationId', message: 'already used with a different payload' }],
      });
    }
    if (e instanceof OnceInProgressError) {
      throw new Conflict(
        'notification-in-progress',
        'Repeat the request in a few seconds to get its outcome',
        {
          retryAfterSeconds: 2,
        },
      );
    }
    throw e;
  }
};

export const acceptNotification = async (
  deps: AcceptDeps,
  notification: Notification,
  invocation: { functionArn: string },
): Promise<Accepted> => {
  const notificationId = notification.notificationId ?? deps.newId();
  const { sendAt, ...rest } = notification;
  // Refused before the id is recorded, so a corrected repeat under the same id is not a conflict.
  checkSendable(deps, rest);
  return onceOrConflict(() =>
    deps.gate.once(SUBMISSION_SCOPE, notificationId, notification, async (): Promise<Accepted> => {
      if (sendAt === undefined) {
        const summary = await fanOut(deps, { ...rest, notificationId });
        deps.metrics.count('NotificationsAccepted');
        return { notificationId, ...summary };
      }
      const at = new Date(sendAt);
      if (at.getTime() <= deps.clock.now()) {
        throw new InvalidInput([{ field: 'sendAt', message: 'must be in the future' }]);
      }
      if (at.getTime() > deps.clock.now() + deps.retentionSeconds * 1000) {
        const days = Math.floor(deps.retentionSeconds / 86_400);
        throw new InvalidInput([
          { field: 'sendAt', message: `must be at most ${days} days ahead (NOTIFY_RETENTION_DAYS)` },
        ]);
      }
      // An unknown group key is refused now rather than discovered when the schedule fires.
      const audience = await resolveAudience(deps.findGid, audienceOf(rest.audience));
      const name = oneTimeScheduleName(notificationId);
      const payload = oneTimeScheduleInput(name, { ...rest, notificationId });
      if (Buffer.byteLength(JSON.stringify(payload)) > MAX_SCHEDULE_INPUT_BYTES) throw scheduleTooLarge();
      await deps.status.begin(notificationId, {
        audience: audience.kind === 'gid' ? 'group' : audience.kind,
        phase: 'scheduled',
        scheduledFor: at.toISOString(),
      });
      await deps.schedulerFor(invocation.functionArn).create({ name, at, payload });
      deps.metrics.count('NotificationsScheduled');
      return { notificationId, scheduledFor: at.toISOString() };
    }),
  );
};
