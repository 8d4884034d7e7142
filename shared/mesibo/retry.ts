/**
 * When to try a mesibo call again, and how long to wait first. Pure functions: the client supplies
 * randomness and the clock, so tests can pin both.
 */

export interface BackoffPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Exponential backoff with full jitter: the n-th retry (0-based) waits random() * min(max, base * 2^n). */
export const backoffDelay = (retryIndex: number, policy: BackoffPolicy, random: () => number): number => {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retryIndex);
  return Math.floor(random() * ceiling);
};

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export const parseRetryAfter = (value: string | undefined, now: number = Date.now()): number | undefined => {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
};

/** A server-requested wait is honoured but never beyond the backoff cap; otherwise the jittered backoff. */
export const retryDelay = (
  retryIndex: number,
  policy: BackoffPolicy,
  random: () => number,
  retryAfterMs?: number,
): number =>
  retryAfterMs === undefined
    ? backoffDelay(retryIndex, policy, random)
    : Math.min(policy.maxDelayMs, retryAfterMs);

/** What the retry decision needs to know about one failed attempt. */
export interface RetryFacts {
  /** The failure is of a kind that may go away (network, timeout, 429/5xx, unreadable body). */
  transient: boolean;
  /** false only when the request provably never left this process (refused/failed connect). */
  mayHaveReachedServer: boolean;
}

/**
 * Whether repeating the call is safe. A non-idempotent op (message) is repeated only when the first
 * attempt provably never reached mesibo, unless the caller accepts duplicates.
 */
export const isSafeToRepeat = (facts: RetryFacts, idempotent: boolean, retryUnsafe: boolean): boolean =>
  idempotent || retryUnsafe || !facts.mayHaveReachedServer;

export const shouldRetry = (
  facts: RetryFacts,
  op: { idempotent: boolean; retryUnsafe: boolean; attempts: number; maxAttempts: number },
): boolean =>
  facts.transient && op.attempts < op.maxAttempts && isSafeToRepeat(facts, op.idempotent, op.retryUnsafe);
