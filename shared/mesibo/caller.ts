/**
 * Runs one mesibo call to completion: encode for the configured API style, POST, interpret the answer,
 * retry transient failures with full-jitter backoff within the attempt budget, and refresh the app
 * token once on AUTHFAIL. The outcome of each call, retries included, goes to the `onCall` observer.
 * Nothing here knows the individual ops beyond their idempotency.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { isMesiboError } from './errors';
import { type AttemptFailure, attemptMayHaveApplied, toMesiboError } from './failures';
import { createTransport, postOnce } from './http';
import { encodeJsonRequest } from './json-transport';
import { encodeLegacyRequest } from './legacy-transport';
import { DEFAULTS, type MesiboCallOutcome, type MesiboClientOptions } from './options';
import { SecretScrubber } from './redact';
import { type MesiboRequest, NON_IDEMPOTENT_OPS, type RequestEncoder } from './requests';
import { badResponse, interpretResponse, ResponseShapeError } from './responses';
import { isSafeToRepeat, retryDelay, shouldRetry } from './retry';
import type { MessageCallOptions } from './types';

export interface MesiboCaller {
  execute<T>(request: MesiboRequest, parse: (body: unknown) => T, options?: MessageCallOptions): Promise<T>;
  /** Closes the caller's keep-alive connections. */
  close(): Promise<void>;
}

const ENCODERS: Record<MesiboClientOptions['style'], RequestEncoder> = {
  json: encodeJsonRequest,
  legacy: encodeLegacyRequest,
};

const none = () => undefined;

const callerAborted: AttemptFailure = {
  kind: 'timeout',
  error: 'ABORTED',
  cause: 'the caller aborted the call',
  transient: false,
  mayHaveReachedServer: true,
};

/** A caller's abort ends the backoff wait at once instead of after it. */
const sleepUnlessAborted = async (
  sleep: (ms: number) => Promise<void>,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<void> => {
  if (!signal) return sleep(ms);
  if (signal.aborted) return;
  let onAbort = () => {};
  const aborted = new Promise<void>((resolve) => {
    onAbort = () => resolve();
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([sleep(ms), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
};

export const createMesiboCaller = (options: MesiboClientOptions): MesiboCaller => {
  const url = new URL(options.baseUrl);
  const encode = ENCODERS[options.style];
  if (!encode) throw new Error(`unknown mesibo API style: ${String(options.style)}`);
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULTS.maxAttempts);
  const backoff = {
    baseDelayMs: options.baseDelayMs ?? DEFAULTS.baseDelayMs,
    maxDelayMs: options.maxDelayMs ?? DEFAULTS.maxDelayMs,
  };
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const now = options.now ?? (() => performance.now());
  const log = {
    debug: options.logger?.debug.bind(options.logger) ?? none,
    info: options.logger?.info.bind(options.logger) ?? none,
    warn: options.logger?.warn.bind(options.logger) ?? none,
  };
  const transport = createTransport(url, { connectTimeoutMs, localAddress: options.localAddress });
  let lastId = 0;

  /** `progress.attempts` is kept current so a failure outside the protocol still reports how far it got. */
  const run = async <T>(
    request: MesiboRequest,
    parse: (body: unknown) => T,
    callOptions: MessageCallOptions,
    progress: { attempts: number },
  ): Promise<T> => {
    const { op } = request;
    const id = callOptions.id ?? ++lastId;
    const idempotent = !NON_IDEMPOTENT_OPS.has(op);
    const retryUnsafe = callOptions.retryUnsafe === true;
    const scrubber = new SecretScrubber();
    // Whether any attempt so far may have changed something at mesibo.
    let mayHaveApplied = false;
    const fail = (failure: AttemptFailure, attempts: number, safe: boolean) =>
      toMesiboError(op, failure, attempts, safe, scrubber, mayHaveApplied);
    let token = await options.appToken();
    scrubber.add(token);
    let rotated = false;
    let retries = 0;

    for (let attempts = 1; ; attempts++) {
      progress.attempts = attempts;
      const encoded = encode(request, { token, id });
      log.debug('mesibo request', { op: encoded.op, id, attempt: attempts, style: options.style });
      const sent = await postOnce(
        transport,
        url,
        encoded,
        timeoutMs,
        callOptions.signal,
        idempotent || retryUnsafe,
      );
      let failure: AttemptFailure;
      if (sent.ok) {
        const answer = interpretResponse(sent.response);
        if (answer.ok) {
          const echoed = answer.envelope.id;
          if (echoed !== undefined && echoed !== id) {
            log.warn('mesibo echoed a different request id', { op, id, echoedId: echoed });
          }
          try {
            return parse(answer.body);
          } catch (err) {
            if (!(err instanceof ResponseShapeError)) throw err;
            failure = badResponse(`unexpected ${op} response: ${err.message}`, sent.response.status);
          }
        } else {
          failure = answer.failure;
        }
      } else {
        failure = sent.failure;
      }
      mayHaveApplied ||= attemptMayHaveApplied(failure);

      // AUTHFAIL means nothing was applied, so one retry with a refreshed token is safe for every op.
      if (failure.kind === 'api' && failure.error === 'AUTHFAIL' && !rotated) {
        rotated = true;
        const fresh = await options.appToken({ forceRefresh: true });
        scrubber.add(fresh);
        if (fresh !== token) {
          log.info('mesibo rejected the app token; retrying once with a refreshed one', { op, id });
          token = fresh;
          continue;
        }
      }

      if (!shouldRetry(failure, { idempotent, retryUnsafe, attempts, maxAttempts })) {
        throw fail(failure, attempts, isSafeToRepeat(failure, idempotent, retryUnsafe));
      }
      const waitMs = retryDelay(retries++, backoff, random, failure.retryAfterMs);
      log.warn('mesibo call failed; retrying', {
        op,
        id,
        attempt: attempts,
        kind: failure.kind,
        error: failure.kind === 'api' ? scrubber.scrub(failure.error) : failure.error,
        httpStatus: failure.httpStatus,
        delayMs: waitMs,
      });
      await sleepUnlessAborted(sleep, waitMs, callOptions.signal);
      if (callOptions.signal?.aborted) throw fail(callerAborted, attempts, false);
    }
  };

  const report = (outcome: MesiboCallOutcome) => {
    try {
      options.onCall?.(outcome);
    } catch (err) {
      // Metrics are never worth failing (or retrying) a call that has already happened.
      log.warn('mesibo onCall observer threw; ignored', {
        op: outcome.op,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  };

  const execute = async <T>(
    request: MesiboRequest,
    parse: (body: unknown) => T,
    callOptions: MessageCallOptions = {},
  ): Promise<T> => {
    const { op } = request;
    const started = now();
    const progress = { attempts: 0 };
    try {
      const attempt = () => run(request, parse, callOptions, progress);
      const result = await (options.aroundCall ? options.aroundCall(op, attempt) : attempt());
      report({ op, ok: true, attempts: progress.attempts, durationMs: now() - started });
      return result;
    } catch (e) {
      const durationMs = now() - started;
      // A MesiboError's code is already scrubbed; anything else is reported by a fixed code only.
      report(
        isMesiboError(e)
          ? { op, ok: false, error: e.error, kind: e.kind, attempts: e.attempts, durationMs }
          : { op, ok: false, error: 'UNKNOWN', attempts: progress.attempts, durationMs },
      );
      throw e;
    }
  };

  return {
    execute,
    close: async () => {
      transport.agent.destroy();
    },
  };
};
