/**
 * One failed attempt, before the retry decision, and how it becomes the public MesiboError.
 */
import { MesiboError, type MesiboFailureKind } from './errors';
import type { SecretScrubber } from './redact';
import type { RetryFacts } from './retry';

export interface AttemptFailure extends RetryFacts {
  kind: MesiboFailureKind;
  error: string;
  code?: number;
  cause?: string;
  action?: string;
  properties?: string[];
  httpStatus?: number;
  /** A server-requested wait (429/503 Retry-After), in ms. */
  retryAfterMs?: number;
}

/** The code of the error the transport raises when TCP (and TLS) connect takes too long. */
export const CONNECT_TIMEOUT_CODE = 'MESIBO_CONNECT_TIMEOUT';

/** Errors raised while connecting: the request bytes were never written, so a retry cannot duplicate. */
const CONNECT_PHASE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  CONNECT_TIMEOUT_CODE,
]);

const errorCodeOf = (err: unknown): string | undefined => {
  // A wrapped error (an abort's reason, say) may carry the system code on its cause instead.
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
};

const describe = (err: unknown): string => {
  if (!(err instanceof Error)) return String(err);
  const code = errorCodeOf(err);
  const inner =
    err.cause instanceof Error && err.cause.message !== err.message ? `: ${err.cause.message}` : '';
  const prefix = code && !err.message.includes(code) ? `${code} ` : '';
  return `${prefix}${err.message}${inner}`.slice(0, 300);
};

/** Classifies an exception thrown by the HTTP layer for one attempt. */
export const transportFailure = (
  err: unknown,
  state: {
    timedOut: boolean;
    callerAborted: boolean;
  },
): AttemptFailure => {
  if (state.callerAborted) {
    return {
      kind: 'timeout',
      error: 'ABORTED',
      cause: 'the caller aborted the call',
      transient: false,
      mayHaveReachedServer: true,
    };
  }
  const code = errorCodeOf(err);
  if (state.timedOut) {
    return {
      kind: 'timeout',
      error: 'TIMEOUT',
      cause: 'no complete response within the per-attempt timeout',
      transient: true,
      mayHaveReachedServer: true,
    };
  }
  if (code === CONNECT_TIMEOUT_CODE) {
    return {
      kind: 'timeout',
      error: 'TIMEOUT',
      cause: describe(err),
      transient: true,
      mayHaveReachedServer: false,
    };
  }
  // A certificate problem will not fix itself between attempts.
  const tls = code !== undefined && (code.startsWith('ERR_TLS') || code.includes('CERT'));
  return {
    kind: 'network',
    error: 'NETWORK',
    cause: describe(err),
    transient: !tls,
    mayHaveReachedServer: !(code !== undefined && CONNECT_PHASE_CODES.has(code)),
  };
};

/** mesibo refused (result:false) or throttled (429) before doing anything, or the request never left. */
export const attemptMayHaveApplied = (failure: AttemptFailure): boolean =>
  failure.kind !== 'api' && failure.httpStatus !== 429 && failure.mayHaveReachedServer;

export const toMesiboError = (
  op: string,
  failure: AttemptFailure,
  attempts: number,
  safeToRepeat: boolean,
  scrubber: SecretScrubber,
  mayHaveApplied = attemptMayHaveApplied(failure),
): MesiboError =>
  new MesiboError({
    op,
    kind: failure.kind,
    // Only mesibo's own codes are upstream text; the client's codes (NETWORK, HTTP_503, ...) are fixed.
    error: failure.kind === 'api' ? scrubber.scrub(failure.error) : failure.error,
    code: failure.code,
    cause: scrubber.scrub(failure.cause),
    action: scrubber.scrub(failure.action),
    properties: failure.properties?.map((p) => scrubber.scrub(p)),
    httpStatus: failure.httpStatus,
    // "Would trying again help, and is it safe?": false for a message whose fate is unknown.
    retryable: failure.transient && safeToRepeat,
    attempts,
    mayHaveApplied,
  });
