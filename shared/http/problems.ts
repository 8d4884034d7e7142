/**
 * The one table from a failure to its HTTP answer: each domain error code has one status and title on
 * every route, and a retry hint becomes `Retry-After`. An unset app token is answered here too.
 */
import { DomainError, type ErrorCode } from '../errors';
import { APP_TOKEN_UNSET_CODE, AppTokenUnsetError } from '../secrets/app-token';
import type { ProblemInit } from './problem';

const PROBLEMS: Record<ErrorCode, { status: number; title: string }> = {
  'invalid-request': { status: 400, title: 'The request is not valid' },
  'payload-too-large': { status: 413, title: 'The request is too large' },
  'unsupported-media-type': { status: 415, title: 'The body must be JSON' },
  unauthorized: { status: 401, title: 'Authentication is required' },
  'signature-missing': { status: 401, title: 'The webhook signature was not accepted' },
  'signature-malformed': { status: 401, title: 'The webhook signature was not accepted' },
  'signature-expired': { status: 401, title: 'The webhook signature was not accepted' },
  'signature-invalid': { status: 401, title: 'The webhook signature was not accepted' },
  'reserved-address': { status: 403, title: 'This address is reserved' },
  'not-found': { status: 404, title: 'No such route' },
  'notification-not-found': { status: 404, title: 'Unknown notification' },
  'group-not-found': { status: 404, title: 'Unknown group' },
  'notification-id-conflict': {
    status: 409,
    title: 'This notificationId was already used for another notification',
  },
  'notification-in-progress': {
    status: 409,
    title: 'This notification is being accepted by another request',
  },
  'delivery-id-conflict': { status: 409, title: 'The delivery id was used for a different event' },
  'mesibo-unavailable': { status: 503, title: 'mesibo is not available' },
  'queue-unavailable': { status: 503, title: 'The event could not be queued' },
  'mesibo-rejected': { status: 502, title: 'mesibo rejected the request' },
};

/** Headers some codes always carry. */
const CODE_HEADERS: Partial<Record<ErrorCode, Record<string, string>>> = {
  unauthorized: { 'www-authenticate': 'Bearer' },
};

/** Seconds a client waits before retrying while the deployment's app token is unset (an operator step). */
export const APP_TOKEN_UNSET_RETRY_AFTER_SECONDS = 30;

/** Routes that need mesibo answer this until the app token is set; the secret is not named to clients. */
const APP_TOKEN_UNSET: ProblemInit = {
  status: 503,
  code: APP_TOKEN_UNSET_CODE,
  title: 'mesibo is not configured yet',
  detail:
    "This deployment's mesibo app token has not been set, so nothing was sent to mesibo; try again later",
  headers: { 'retry-after': String(APP_TOKEN_UNSET_RETRY_AFTER_SECONDS) },
};

/** The answer to a known failure, or undefined for anything else (which is a 500). */
export const toProblem = (e: unknown): ProblemInit | undefined => {
  if (e instanceof AppTokenUnsetError) return APP_TOKEN_UNSET;
  if (!(e instanceof DomainError)) return undefined;
  const code = e.code as ErrorCode;
  const headers = {
    ...CODE_HEADERS[code],
    ...(e.retryAfterSeconds === undefined ? {} : { 'retry-after': String(e.retryAfterSeconds) }),
  };
  return {
    ...PROBLEMS[code],
    code,
    detail: e.detail,
    ...(e.fields.length ? { errors: [...e.fields] } : {}),
    ...(e.extensions ? { extensions: e.extensions } : {}),
    ...(Object.keys(headers).length ? { headers } : {}),
  };
};
