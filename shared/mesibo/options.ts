/**
 * How a mesibo client is built. Everything that varies between production, the local stack and tests
 * (URL, API style, timeouts, retry budget, randomness, sleeping, the local address) is an option.
 */
import type { MesiboFailureKind } from './errors';
import type { AppTokenSource } from './types';

/** `json`: the current `/backend/` API (JSON body). `legacy`: the older `api.php` form API. */
export type MesiboApiStyle = 'json' | 'legacy';

/** The subset of a structured logger the client uses (Powertools Logger fits). */
export interface MesiboLogger {
  debug(message: string, attrs?: object): void;
  info(message: string, attrs?: object): void;
  warn(message: string, attrs?: object): void;
}

/** How one call ended, after its retries. Codes and numbers only: nothing here can carry a secret. */
export interface MesiboCallOutcome {
  op: string;
  ok: boolean;
  /**
   * On failure: mesibo's error code (`BADVALUE`, `AUTHFAIL`, ...) or the client's transport code
   * (`TIMEOUT`, `NETWORK`, `HTTP_503`, `ABORTED`, ...); `UNKNOWN` if the call failed outside the
   * protocol (the app token source threw, or a bug).
   */
  error?: string;
  /** On a protocol or transport failure: which kind (absent for `UNKNOWN`). */
  kind?: MesiboFailureKind;
  /** HTTP attempts made; 0 when the call failed before the first one. */
  attempts: number;
  /** The whole call, backoff waits and the app token lookup included. */
  durationMs: number;
}

/** Told about every mesibo call once, when it ends. Must not throw (a throw is logged and ignored). */
export type MesiboCallObserver = (call: MesiboCallOutcome) => void;

/** Runs around every mesibo call, retries included (e.g. a trace subsegment); must return its result. */
export type MesiboCallWrapper = <T>(op: string, call: () => Promise<T>) => Promise<T>;

export interface MesiboClientOptions {
  baseUrl: string;
  style: MesiboApiStyle;
  appToken: AppTokenSource;
  /** TCP+TLS connect timeout per attempt (default 3000 ms). */
  connectTimeoutMs?: number;
  /** Total time per attempt, connect to last body byte (default 10000 ms). */
  timeoutMs?: number;
  /** Attempts per call for transient failures, first one included (default 3). */
  maxAttempts?: number;
  /** Backoff base: the n-th retry waits random() * min(maxDelayMs, baseDelayMs * 2^n) (default 100 ms). */
  baseDelayMs?: number;
  /** Backoff cap, also the cap on an honoured Retry-After (default 2000 ms). */
  maxDelayMs?: number;
  logger?: MesiboLogger;
  /** Uniform [0, 1) source for the backoff jitter (default Math.random). */
  random?: () => number;
  /** Waits between attempts (default a timer); injectable for deterministic tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Local IP to connect from (default: the system's choice); tests use it to appear as other callers. */
  localAddress?: string;
  /** Metrics hook, e.g. `mesiboCallMetrics` (shared/observability); none by default. */
  onCall?: MesiboCallObserver;
  /** Tracing hook, e.g. `tracedMesiboCalls` (shared/observability); none by default. */
  aroundCall?: MesiboCallWrapper;
  /** Monotonic milliseconds for `durationMs` (default performance.now); injectable for tests. */
  now?: () => number;
}

export const DEFAULTS = {
  connectTimeoutMs: 3000,
  timeoutMs: 10_000,
  maxAttempts: 3,
  baseDelayMs: 100,
  maxDelayMs: 2000,
} as const;

export const DEFAULT_BASE_URL: Record<MesiboApiStyle, string> = {
  json: 'https://api.mesibo.com/backend/',
  legacy: 'https://api.mesibo.com/api.php',
};
