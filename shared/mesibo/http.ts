/**
 * One HTTP attempt: POST the encoded request and read the whole answer, under a total per-attempt
 * timeout combined with the caller's signal. Connection reuse and the connect timeout live in the
 * dispatcher (a keep-alive undici Agent by default).
 */
import { Agent, type Dispatcher } from 'undici';
import { type AttemptFailure, transportFailure } from './failures';
import type { EncodedRequest } from './requests';
import type { RawResponse } from './responses';

export const createAgent = (connectTimeoutMs: number): Agent =>
  new Agent({ connect: { timeout: connectTimeoutMs } });

const headerValue = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

export const postOnce = async (
  dispatcher: Dispatcher,
  url: URL,
  request: EncodedRequest,
  timeoutMs: number,
  callerSignal: AbortSignal | undefined,
): Promise<{ ok: true; response: RawResponse } | { ok: false; failure: AttemptFailure }> => {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = callerSignal ? AbortSignal.any([timeout, callerSignal]) : timeout;
  try {
    const res = await dispatcher.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      headers: { 'content-type': request.contentType, accept: 'application/json' },
      body: request.body,
      signal,
    });
    const body = await res.body.text();
    return {
      ok: true,
      response: { status: res.statusCode, retryAfter: headerValue(res.headers['retry-after']), body },
    };
  } catch (err) {
    return {
      ok: false,
      failure: transportFailure(err, {
        timedOut: timeout.aborted,
        callerAborted: callerSignal?.aborted === true,
      }),
    };
  }
};
