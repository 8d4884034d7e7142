import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter, retryDelay, shouldRetry } from '../../../shared/mesibo/retry';

const policy = { baseDelayMs: 100, maxDelayMs: 2000 };

describe('backoffDelay (full jitter)', () => {
  it('scales random() by min(max, base * 2^n)', () => {
    expect([0, 1, 2, 3, 4].map((n) => backoffDelay(n, policy, () => 0.5))).toEqual([50, 100, 200, 400, 800]);
  });

  it('caps the ceiling at maxDelayMs', () => {
    expect(backoffDelay(5, policy, () => 0.999)).toBe(1998);
    expect(backoffDelay(30, policy, () => 0.5)).toBe(1000);
  });

  it('spans the whole [0, ceiling) range', () => {
    expect(backoffDelay(2, policy, () => 0)).toBe(0);
    expect(backoffDelay(2, policy, () => 0.9999)).toBe(399);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(' 0 ')).toBe(0);
  });

  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:02 GMT', now)).toBe(2000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
  });

  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('retryDelay', () => {
  it('honours Retry-After up to maxDelayMs instead of the jittered backoff', () => {
    expect(retryDelay(0, policy, () => 0.5, 1000)).toBe(1000);
    expect(retryDelay(0, policy, () => 0.5, 60_000)).toBe(2000);
  });

  it('falls back to the jittered backoff', () => {
    expect(retryDelay(1, policy, () => 0.5)).toBe(100);
  });
});

describe('shouldRetry', () => {
  const transientReached = { transient: true, mayHaveReachedServer: true };
  const transientNotSent = { transient: true, mayHaveReachedServer: false };
  const permanent = { transient: false, mayHaveReachedServer: true };
  const op = { idempotent: true, retryUnsafe: false, attempts: 1, maxAttempts: 3 };

  it('retries transient failures of idempotent ops within the budget', () => {
    expect(shouldRetry(transientReached, op)).toBe(true);
    expect(shouldRetry(transientReached, { ...op, attempts: 2 })).toBe(true);
    expect(shouldRetry(transientReached, { ...op, attempts: 3 })).toBe(false);
  });

  it('never retries permanent failures', () => {
    expect(shouldRetry(permanent, op)).toBe(false);
    expect(shouldRetry(permanent, { ...op, idempotent: false, retryUnsafe: true })).toBe(false);
  });

  it('retries a non-idempotent op only when the request provably never left, or when told to', () => {
    const unsafe = { ...op, idempotent: false };
    expect(shouldRetry(transientReached, unsafe)).toBe(false);
    expect(shouldRetry(transientNotSent, unsafe)).toBe(true);
    expect(shouldRetry(transientReached, { ...unsafe, retryUnsafe: true })).toBe(true);
  });
});
