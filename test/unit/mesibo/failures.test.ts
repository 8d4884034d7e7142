import { describe, expect, it } from 'vitest';
import { MesiboError } from '../../../shared/mesibo/errors';
import {
  attemptMayHaveApplied,
  CONNECT_TIMEOUT_CODE,
  toMesiboError,
  transportFailure,
} from '../../../shared/mesibo/failures';
import { SecretScrubber } from '../../../shared/mesibo/redact';

const withCode = (message: string, code: string, wrap = false): Error => {
  const inner = Object.assign(new Error(message), { code });
  return wrap ? new TypeError('fetch failed', { cause: inner }) : inner;
};

describe('transportFailure', () => {
  const idle = { timedOut: false, callerAborted: false };

  it('marks a refused connection as never sent', () => {
    const f = transportFailure(withCode('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED', true), idle);
    expect(f).toMatchObject({
      kind: 'network',
      error: 'NETWORK',
      transient: true,
      mayHaveReachedServer: false,
    });
  });

  it('marks a connect timeout as a timeout that was never sent', () => {
    const f = transportFailure(withCode('connect timed out after 3000 ms', CONNECT_TIMEOUT_CODE), idle);
    expect(f).toMatchObject({
      kind: 'timeout',
      error: 'TIMEOUT',
      transient: true,
      mayHaveReachedServer: false,
    });
  });

  it('treats a reset as possibly delivered', () => {
    const f = transportFailure(withCode('socket hang up', 'ECONNRESET'), idle);
    expect(f).toMatchObject({ kind: 'network', transient: true, mayHaveReachedServer: true });
  });

  it.each(['ECONNRESET', 'EPIPE'])('keeps %s, code in the cause, as possibly delivered', (code) => {
    const f = transportFailure(withCode('socket hang up', code), idle);
    expect(f).toMatchObject({ kind: 'network', error: 'NETWORK', mayHaveReachedServer: true });
    expect(f.cause).toContain(code);
  });

  it('does not retry certificate failures', () => {
    const f = transportFailure(withCode('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'), idle);
    expect(f.transient).toBe(false);
  });

  it('reports the per-attempt timeout and a caller abort distinctly', () => {
    expect(transportFailure(new Error('aborted'), { timedOut: true, callerAborted: false })).toMatchObject({
      kind: 'timeout',
      error: 'TIMEOUT',
      transient: true,
    });
    expect(transportFailure(new Error('aborted'), { timedOut: true, callerAborted: true })).toMatchObject({
      kind: 'timeout',
      error: 'ABORTED',
      transient: false,
    });
  });
});

describe('toMesiboError', () => {
  it('scrubs secrets from copied text but keeps the client’s own codes intact', () => {
    const scrubber = new SecretScrubber();
    scrubber.add('NET');
    const error = toMesiboError(
      'useradd',
      {
        kind: 'network',
        error: 'NETWORK',
        cause: 'socket NET closed',
        transient: true,
        mayHaveReachedServer: true,
      },
      2,
      true,
      scrubber,
    );
    expect(error).toBeInstanceOf(MesiboError);
    expect(error.error).toBe('NETWORK');
    expect(error.cause).toBe('socket [REDACTED] closed');
    expect(error.attempts).toBe(2);
    expect(error.retryable).toBe(true);
  });

  it('is not retryable when repeating is unsafe', () => {
    const error = toMesiboError(
      'message',
      { kind: 'http', error: 'HTTP_503', transient: true, mayHaveReachedServer: true, httpStatus: 503 },
      1,
      false,
      new SecretScrubber(),
    );
    expect(error.retryable).toBe(false);
  });
});

describe('attemptMayHaveApplied', () => {
  const idle = { timedOut: false, callerAborted: false };
  it('is false only when mesibo certainly changed nothing', () => {
    const base = { transient: true, mayHaveReachedServer: true } as const;
    expect(attemptMayHaveApplied({ ...base, kind: 'api', error: 'BADVALUE', transient: false })).toBe(false);
    expect(attemptMayHaveApplied({ ...base, kind: 'http', error: 'HTTP_429', httpStatus: 429 })).toBe(false);
    const refused = transportFailure(withCode('connect ECONNREFUSED', 'ECONNREFUSED'), idle);
    expect(attemptMayHaveApplied(refused)).toBe(false);
    expect(attemptMayHaveApplied({ ...base, kind: 'http', error: 'HTTP_500', httpStatus: 500 })).toBe(true);
    expect(attemptMayHaveApplied(transportFailure(withCode('socket hang up', 'ECONNRESET'), idle))).toBe(
      true,
    );
    expect(attemptMayHaveApplied(transportFailure(new Error('aborted'), { ...idle, timedOut: true }))).toBe(
      true,
    );
    expect(attemptMayHaveApplied({ ...base, kind: 'protocol', error: 'BADRESPONSE' })).toBe(true);
  });
});
