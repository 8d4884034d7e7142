/**
 * What a failed mesibo `message` call tells us about the batch. `message` is not idempotent, so the
 * question that matters is whether mesibo may have applied it:
 *  - `rejected`: mesibo answered `result:false`; nothing was sent and retrying will not help.
 *  - `not-sent`: the request certainly did not take effect (refused connection, 429, an API error
 *    mesibo marks transient); safe to send again later.
 *  - `unknown`: it may have been applied (5xx after the request was read, reset, timeout, an
 *    unreadable answer); the notification's delivery policy decides.
 */
import { isMesiboError } from '../mesibo/errors';

export type FailureClass = 'rejected' | 'not-sent' | 'unknown';

/** Transport codes raised before a request is written, so mesibo cannot have seen it. */
const BEFORE_REQUEST_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'CONNECT_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export const classifyFailure = (e: unknown): FailureClass => {
  if (!isMesiboError(e)) return 'unknown';
  switch (e.kind) {
    case 'api':
      return e.retryable ? 'not-sent' : 'rejected';
    case 'http':
      // 5xx may come after mesibo applied the message; other statuses come from refusing it.
      return e.httpStatus !== undefined && e.httpStatus < 500 ? 'not-sent' : 'unknown';
    case 'network':
    case 'timeout':
      return BEFORE_REQUEST_CODES.has(e.error) ? 'not-sent' : 'unknown';
    default:
      return 'unknown';
  }
};

/**
 * Whether a rejection may be about one of the recipients (so splitting the batch can isolate it)
 * rather than about the sender or the message, which every part would fail on too.
 */
export const mayBlameRecipients = (e: unknown): boolean =>
  isMesiboError(e) &&
  e.kind === 'api' &&
  (e.properties.length === 0 || e.properties.some((p) => p === 'to' || p.endsWith('.to')));

export const failureDetail = (e: unknown): Record<string, unknown> =>
  isMesiboError(e)
    ? e.toJSON()
    : { name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e) };
