/**
 * How a failed mesibo call ends a token request. Only mesibo's error code crosses into a response,
 * never its raw body, cause text or anything that could carry the app token.
 */
import { Unavailable, UpstreamRejected } from '../errors';
import { isMesiboError } from '../mesibo/errors';
import type { LeaseFailure } from './ports';

/** Seconds a client is asked to wait before retrying when mesibo cannot be reached. */
export const RETRY_AFTER_SECONDS = 5;

const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,31}$/;

/**
 * `unavailable`: mesibo is down, slow, or cannot be used with our credentials right now; a still-valid
 * cached token may stand in. `rejected`: mesibo refused this request (e.g. BADVALUE); retrying will not help.
 */
export const classifyMesiboFailure = (e: unknown): LeaseFailure => {
  if (!isMesiboError(e)) return { kind: 'unavailable', mesiboError: 'UNKNOWN' };
  // Only a code-shaped value is passed on; anything else could be upstream free text.
  const mesiboError = ERROR_CODE.test(e.error) ? e.error : 'UNKNOWN';
  // AUTHFAIL has already been retried with a refreshed app token by the client; TOKENBREACH disables
  // the whole app. Neither is the caller's fault, so both count as an outage, not a rejection.
  const ourSide = e.error === 'AUTHFAIL' || e.error === 'TOKENBREACH';
  const rejected = e.kind === 'api' && !e.retryable && !ourSide;
  return { kind: rejected ? 'rejected' : 'unavailable', mesiboError };
};

export const mesiboUnavailable = (detail = 'mesibo could not be reached; try again shortly'): Unavailable =>
  new Unavailable('mesibo-unavailable', detail, RETRY_AFTER_SECONDS);

export const failureError = (failure: LeaseFailure): Unavailable | UpstreamRejected =>
  failure.kind === 'rejected' ? new UpstreamRejected(failure.mesiboError) : mesiboUnavailable();
