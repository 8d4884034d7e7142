/**
 * The mesibo backend API client: typed methods over either wire format, bounded retries with full
 * jitter for transient failures, one app-token refresh on AUTHFAIL, and no secret in any log or error.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import type { MesiboError } from './errors';
import { type AttemptFailure, toMesiboError } from './failures';
import { createAgent, postOnce } from './http';
import { encodeJsonRequest } from './json-transport';
import { encodeLegacyRequest } from './legacy-transport';
import { DEFAULTS, type MesiboClientOptions } from './options';
import { SecretScrubber } from './redact';
import { type MesiboRequest, NON_IDEMPOTENT_OPS, type RequestEncoder } from './requests';
import {
  badResponse,
  interpretResponse,
  parseGroupAdd,
  parseGroupMembers,
  parseMessage,
  parseUserAdd,
  parseUsersGet,
  ResponseShapeError,
} from './responses';
import { isSafeToRepeat, retryDelay, shouldRetry } from './retry';
import type { MesiboClient, MessageCallOptions } from './types';

/** A MesiboClient that owns network resources. */
export interface MesiboHttpClient extends MesiboClient {
  /** Closes the client's own keep-alive connections (a dispatcher passed in options is left open). */
  close(): Promise<void>;
}

const ENCODERS: Record<MesiboClientOptions['style'], RequestEncoder> = {
  json: encodeJsonRequest,
  legacy: encodeLegacyRequest,
};

const none = () => undefined;

export const createMesiboClient = (options: MesiboClientOptions): MesiboHttpClient => {
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
  const log = {
    debug: options.logger?.debug.bind(options.logger) ?? none,
    info: options.logger?.info.bind(options.logger) ?? none,
    warn: options.logger?.warn.bind(options.logger) ?? none,
  };
  const ownAgent = options.dispatcher ? undefined : createAgent(connectTimeoutMs);
  const dispatcher: Dispatcher = options.dispatcher ?? ownAgent!;
  let lastId = 0;

  const fail = (
    request: MesiboRequest,
    f: AttemptFailure,
    attempts: number,
    safe: boolean,
    s: SecretScrubber,
  ) => toMesiboError(request.op, f, attempts, safe, s);

  /** Runs one call to completion: attempts, retries, AUTHFAIL rotation. Resolves to the success body. */
  const execute = async <T>(
    request: MesiboRequest,
    parse: (body: unknown) => T,
    callOptions: MessageCallOptions = {},
  ): Promise<T> => {
    const { op } = request;
    const id = callOptions.id ?? ++lastId;
    const idempotent = !NON_IDEMPOTENT_OPS.has(op);
    const retryUnsafe = callOptions.retryUnsafe === true;
    const scrubber = new SecretScrubber();
    let token = await options.appToken();
    scrubber.add(token);
    let rotated = false;
    let retries = 0;

    for (let attempts = 1; ; attempts++) {
      log.debug('mesibo request', { op, id, attempt: attempts, style: options.style });
      const sent = await postOnce(
        dispatcher,
        url,
        encode(request, { op, token, id }),
        timeoutMs,
        callOptions.signal,
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
        throw fail(request, failure, attempts, isSafeToRepeat(failure, idempotent, retryUnsafe), scrubber);
      }
      const waitMs = retryDelay(retries++, backoff, random, failure.retryAfterMs);
      log.warn('mesibo call failed; retrying', {
        op,
        id,
        attempt: attempts,
        kind: failure.kind,
        error: scrubber.scrub(failure.error),
        httpStatus: failure.httpStatus,
        delayMs: waitMs,
      });
      await sleep(waitMs);
      if (callOptions.signal?.aborted) {
        const aborted: AttemptFailure = {
          kind: 'timeout',
          error: 'ABORTED',
          cause: 'the caller aborted the call',
          transient: false,
          mayHaveReachedServer: true,
        };
        throw fail(request, aborted, attempts, false, scrubber);
      }
    }
  };

  const done = () => undefined;

  return {
    useradd: (input, o) => execute({ op: 'useradd', input }, parseUserAdd, o),
    userset: (input, o) => execute({ op: 'userset', input }, done, o),
    userdel: (input, o) => execute({ op: 'userdel', input }, done, o),
    usersget: (input = {}, o) => execute({ op: 'usersget', input }, parseUsersGet, o),
    groupadd: (input, o) => execute({ op: 'groupadd', input }, parseGroupAdd, o),
    groupset: (input, o) => execute({ op: 'groupset', input }, done, o),
    groupdel: (input, o) => execute({ op: 'groupdel', input }, done, o),
    groupeditmembers: (input, o) => execute({ op: 'groupeditmembers', input }, done, o),
    groupgetmembers: (input, o) =>
      execute({ op: 'groupgetmembers', input }, (body) => parseGroupMembers(body, input.gid), o),
    message: (input, o) => execute({ op: 'message', input }, parseMessage, o),
    close: async () => {
      await ownAgent?.close();
    },
  };
};

export type { MesiboError };
