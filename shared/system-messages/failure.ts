/**
 * What a failed mesibo `message` call tells us about the batch. `message` is not idempotent, so the
 * question that matters is whether mesibo may have applied it:
 *  - `rejected`: mesibo answered `result:false`; nothing was sent and retrying will not help.
 *  - `not-sent`: the request certainly did not take effect (refused connection, 429, an API error
 *    mesibo marks transient); safe to send again later.
 *  - `unknown`: it may have been applied (5xx after the request was read, reset, timeout, an
 *    unreadable answer); the notification's delivery policy decides.
 * An unset app token is `not-sent`: the client refused before any request was made.
 */
import { isMesiboError } from '../mesibo/errors';
import { AppTokenUnsetError } from '../secrets/app-token';

export type FailureClass = 'rejected' | 'not-sent' | 'unknown';

export const classifyFailure = (e: unknown): FailureClass => {
  if (e instanceof AppTokenUnsetError) return 'not-sent';
  if (!isMesiboError(e)) return 'unknown';
  switch (e.kind) {
    case 'api':
      return e.retryable ? 'not-sent' : 'rejected';
    case 'http':
      // 5xx may come after mesibo applied the message; a 429 or other refusal means it did not.
      return e.httpStatus !== undefined && e.httpStatus < 500 ? 'not-sent' : 'unknown';
    case 'network':
    case 'timeout':
      // The client marks a message failure retryable only when the request never left (refused or
      // failed connect), unless duplicates were accepted, in which case the distinction is moot.
      return e.retryable ? 'not-sent' : 'unknown';
    default:
      return 'unknown';
  }
};

/**
 * Whether a rejection may be about one of the recipients (so splitting the batch can isolate it)
 * rather than about the sender or the message, which every part would fail on too. `properties` is
 * not documented to be always present, so a rejection without it may be about a recipient.
 */
export const mayBlameRecipients = (e: unknown): boolean =>
  isMesiboError(e) &&
  e.kind === 'api' &&
  (e.properties.length === 0 || e.properties.some((p) => p === 'to' || p.endsWith('.to')));

export const failureDetail = (e: unknown): Record<string, unknown> =>
  isMesiboError(e)
    ? e.toJSON()
    : { name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e) };
