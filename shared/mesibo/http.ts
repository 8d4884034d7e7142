/**
 * One HTTP attempt over Node's own http/https: POST the encoded request and read the whole answer,
 * under a total per-attempt timeout combined with the caller's signal, a connect timeout, and the
 * client's keep-alive agent.
 */
import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type RequestOptions,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { type AttemptFailure, CONNECT_TIMEOUT_CODE, transportFailure } from './failures';
import type { EncodedRequest } from './requests';
import { badResponse, type RawResponse } from './responses';

/** An answer beyond this is not mesibo's (its largest, a usersget page, is far smaller). */
export const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

/**
 * A server closes an idle keep-alive connection only after its idle timeout, which is seconds long, and
 * that close can cross a request written to the socket. A request that must not be repeated therefore
 * never goes out on a socket idle this long: a reset it meets is the server failing it, not an idle close.
 */
export const STALE_AFTER_IDLE_MS = 1000;

export interface HttpTransport {
  agent: HttpAgent;
  request: (url: URL, options: RequestOptions, onResponse: (res: IncomingMessage) => void) => ClientRequest;
  /** TLS: the connect timeout runs until the handshake is done. */
  secure: boolean;
  connectTimeoutMs: number;
  localAddress?: string;
}

/** The client's own connection pool: one keep-alive agent for the base URL's scheme. */
export const createTransport = (
  url: URL,
  options: { connectTimeoutMs: number; localAddress?: string },
): HttpTransport => {
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:') throw new Error(`unsupported mesibo URL scheme: ${url.protocol}`);
  const agentOptions = {
    keepAlive: true,
    // TCP keep-alive probes on pooled sockets, so a vanished peer is noticed.
    keepAliveMsecs: 1000,
    // A bound, not a throttle: a function has a handful of calls in flight at most.
    maxSockets: 16,
    // A pooled socket idle this long is closed, ahead of the 5 s idle timeout common to servers.
    timeout: 4000,
  };
  return {
    agent: secure ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions),
    request: secure ? httpsRequest : httpRequest,
    secure,
    ...options,
  };
};

/** When each pooled socket last finished a response, to tell how long it sat idle before its reuse. */
const idleSince = new WeakMap<Socket, number>();

/** What the attempt learnt on the way, for classifying its failure. */
interface AttemptState {
  status?: number;
  responded: boolean;
  tooLarge: boolean;
}

/** Closes the pooled sockets idle for STALE_AFTER_IDLE_MS or more, so the next request opens a fresh one. */
const dropStaleSockets = (agent: HttpAgent): void => {
  const cutoff = performance.now() - STALE_AFTER_IDLE_MS;
  for (const sockets of Object.values(agent.freeSockets)) {
    for (const s of sockets ?? []) if ((idleSince.get(s) ?? 0) <= cutoff) s.destroy();
  }
};

const send = (
  transport: HttpTransport,
  url: URL,
  request: EncodedRequest,
  signal: AbortSignal,
  state: AttemptState,
): Promise<RawResponse> =>
  new Promise<RawResponse>((resolve, reject) => {
    const body = Buffer.from(request.body, 'utf8');
    let socket: Socket | undefined;
    let connectTimer: NodeJS.Timeout | undefined;
    let failure: unknown;
    const fail = (err: unknown) => {
      failure ??= err;
    };

    const req = transport.request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': request.contentType,
          'content-length': body.length,
          accept: 'application/json',
        },
        agent: transport.agent,
        localAddress: transport.localAddress,
        signal,
      },
      (res) => {
        state.responded = true;
        state.status = res.statusCode;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_RESPONSE_BYTES) {
            chunks.push(chunk);
            return;
          }
          state.tooLarge = true;
          req.destroy(new Error(`the response is over ${MAX_RESPONSE_BYTES} bytes`));
        });
        res.on('error', fail);
        res.on('end', () => {
          if (state.tooLarge) return;
          if (socket) idleSince.set(socket, performance.now());
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers['retry-after'],
            // TextDecoder drops a BOM, as a fetch-style text() does.
            body: new TextDecoder().decode(Buffer.concat(chunks)),
          });
        });
      },
    );

    req.on('socket', (s: Socket) => {
      socket = s;
      if (!s.connecting) return;
      connectTimer = setTimeout(() => {
        const error = new Error(`connect timed out after ${transport.connectTimeoutMs} ms`);
        req.destroy(Object.assign(error, { code: CONNECT_TIMEOUT_CODE }));
      }, transport.connectTimeoutMs);
      s.once(transport.secure ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    });
    req.on('error', fail);
    // A failed attempt ends once its socket is closed, so the server has seen the client give up.
    req.on('close', () => {
      clearTimeout(connectTimer);
      reject(failure ?? new Error('the connection closed before the whole response arrived'));
    });
    req.end(body);
  });

export const postOnce = async (
  transport: HttpTransport,
  url: URL,
  request: EncodedRequest,
  timeoutMs: number,
  callerSignal: AbortSignal | undefined,
  /** False for a request that must not be repeated: it then avoids sockets the server may be closing. */
  repeatable: boolean,
): Promise<{ ok: true; response: RawResponse } | { ok: false; failure: AttemptFailure }> => {
  if (!repeatable) dropStaleSockets(transport.agent);
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = callerSignal ? AbortSignal.any([timeout, callerSignal]) : timeout;
  const state: AttemptState = { responded: false, tooLarge: false };
  try {
    return { ok: true, response: await send(transport, url, request, signal, state) };
  } catch (err) {
    if (state.tooLarge) {
      return {
        ok: false,
        failure: badResponse(`the response is over ${MAX_RESPONSE_BYTES} bytes`, state.status),
      };
    }
    return {
      ok: false,
      failure: transportFailure(err, {
        timedOut: timeout.aborted,
        callerAborted: callerSignal?.aborted === true,
      }),
    };
  }
};
