/**
 * The local HTTP API: serves exactly the shared route table, runs each route's authorizer (JWT or
 * IAM; HMAC and public routes pass straight through), hands the function a payload-2.0 event and
 * maps its result back. Paths under `/_local` and `/_console` (and `/favicon.ico`) belong to the
 * local tooling and never reach a function.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { CorsPolicy } from '../../shared/http/cors';
import { problem } from '../../shared/http/problem';
import { type Route, routeKey } from '../../shared/routes';
import { FunctionNotWiredError, type LambdaRuntime } from '../lambda/runtime';
import { isPreflight, preflightResponse, withCorsHeaders } from './cors';
import { buildHttpEvent, type EventContext, lowerCaseHeaders, newRequestId, splitUrl } from './event';
import type { IamAuthorizerResult, SignedRequest } from './iam-authorizer';
import type { JwtAuthorizerResult } from './jwt-authorizer';
import { gatewayMessage, type HttpResponse, internalError, mapLambdaResult } from './result';
import { matchRoute } from './router';

/** HTTP API's payload limit. The functions apply their own, smaller limits. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

export interface LocalRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Lower-cased (the console's `if-none-match`). */
  headers: Record<string, string>;
  body: Buffer;
}

/** Serves `/_local/...` and `/_console...`; undefined means "no such local endpoint". */
export type LocalHandler = (req: LocalRequest) => Promise<HttpResponse | undefined>;

/** One request the gateway answered, as it arrived: the listener decides what of it to keep. */
export interface GatewayRequestRecord {
  /** The `apigw-requestid` answered, and the function event's `requestContext.requestId`. */
  requestId: string;
  at: number;
  method: string;
  path: string;
  rawQueryString: string;
  routeKey?: string;
  status: number;
  durationMs: number;
  body: Buffer;
}

export interface GatewayOptions {
  routes: readonly Route[];
  runtime: LambdaRuntime;
  accountId: string;
  verifyJwt: (authorization: string | undefined) => Promise<JwtAuthorizerResult>;
  verifyIam: (req: SignedRequest) => Promise<IamAuthorizerResult>;
  local?: LocalHandler;
  /** The browser policy for the API routes (the local tooling is same-origin); none: no CORS at all. */
  cors?: CorsPolicy;
  /** Until true, every request gets a 503 (the port is bound before the functions are wired). */
  ready?: () => boolean;
  onRequest?: (record: GatewayRequestRecord) => void;
}

class PayloadTooLarge extends Error {}

const readBody = (req: IncomingMessage, limit: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      reject(new PayloadTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        reject(new PayloadTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

/** Every API Gateway response carries the request id the function's event saw. False: reset instead. */
const send = (res: ServerResponse, r: HttpResponse, requestId: string): boolean => {
  try {
    res.writeHead(r.status, {
      ...r.headers,
      'apigw-requestid': requestId,
      'content-length': String(r.body.length),
    });
  } catch (e) {
    // A header Node refuses (a function returned one with a newline, say): the client gets a reset.
    console.error(`[gateway] could not send the response: ${(e as Error).message}`);
    res.destroy();
    return false;
  }
  res.end(r.body);
  return true;
};

/**
 * The JWT authorizer's challenge, as API Gateway words it: a bare scheme when no token came at all.
 * The reason can quote the token itself, so only printable ASCII without quotes goes into the header.
 */
const bearerChallenge = (authorization: string | undefined, reason: string): string => {
  if (!authorization) return 'Bearer';
  const description = reason.replace(/[^\x20-\x7e]|["\\]/g, '?').slice(0, 200);
  return `Bearer scope="" error="invalid_token" error_description="${description}"`;
};

const sourceIpOf = (req: IncomingMessage): string => {
  const ip = req.socket.remoteAddress ?? '127.0.0.1';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
};

/** The local tooling's paths; `/favicon.ico` too, which browsers ask for on any page of the stack. */
export const isLocalPath = (rawPath: string): boolean =>
  /^\/_(local|console)(\/|$)/.test(rawPath) || rawPath === '/favicon.ico';

export const createGateway = (options: GatewayOptions): Server => {
  const handle = async (
    req: IncomingMessage,
    requestId: string,
    received: { body: Buffer },
  ): Promise<{ response: HttpResponse; routeKey?: string }> => {
    if (options.ready && !options.ready()) return { response: gatewayMessage(503, 'Service Unavailable') };
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const { rawPath, rawQueryString } = splitUrl(url);
    const headers = lowerCaseHeaders(req.headers);
    let body: Buffer;
    try {
      body = await readBody(req, MAX_PAYLOAD_BYTES);
    } catch (e) {
      if (e instanceof PayloadTooLarge) return { response: gatewayMessage(413, 'Request Entity Too Large') };
      throw e;
    }
    received.body = body;

    if (options.local && isLocalPath(rawPath)) {
      const response = await options.local({
        method,
        path: rawPath,
        query: new URLSearchParams(rawQueryString),
        headers,
        body,
      });
      if (response) return { response };
      // The local tooling answers problem+json, like the product's own errors.
      const notFound = problem({
        status: 404,
        code: 'not-found',
        title: 'No such local endpoint',
        detail: `${method} ${rawPath}`,
      });
      return { response: mapLambdaResult(notFound) };
    }

    // Answered by the gateway whatever the path, before any route or authorizer, as HTTP API does.
    if (options.cors && isPreflight(method, headers)) {
      return { response: preflightResponse(options.cors, headers.origin ?? '') };
    }

    const match = matchRoute(options.routes, method, rawPath);
    if (!match) return { response: gatewayMessage(404, 'Not Found') };
    const key = routeKey(match.route);

    let authorizer: EventContext['authorizer'];
    if (match.route.auth === 'jwt') {
      const result = await options.verifyJwt(headers.authorization);
      if (!result.ok) {
        const challenge = { 'www-authenticate': bearerChallenge(headers.authorization, result.reason) };
        return { response: gatewayMessage(401, 'Unauthorized', challenge), routeKey: key };
      }
      authorizer = { jwt: result.jwt };
    } else if (match.route.auth === 'iam') {
      const result = await options.verifyIam({ method, rawPath, rawQueryString, headers, body });
      if (!result.ok) return { response: gatewayMessage(403, result.message), routeKey: key };
      authorizer = { iam: result.iam };
    }

    const event = buildHttpEvent(
      {
        method,
        url,
        headers: req.headers,
        body,
        sourceIp: sourceIpOf(req),
        protocol: `HTTP/${req.httpVersion}`,
      },
      {
        routeKey: key,
        pathParameters: match.pathParameters,
        accountId: options.accountId,
        authorizer,
        requestId,
      },
    );
    try {
      return {
        response: mapLambdaResult(
          await options.runtime.invoke(match.route.function, event, 'http', { gatewayRequestId: requestId }),
        ),
        routeKey: key,
      };
    } catch (e) {
      if (e instanceof FunctionNotWiredError) {
        const p = problem({
          status: 501,
          code: 'not-wired-locally',
          title: 'This function is not available in the local stack yet',
          detail: e.message,
        });
        return { response: mapLambdaResult(p), routeKey: key };
      }
      // As in AWS, the caller sees a bare 500; the error itself is in the function's log.
      console.error(`[gateway] ${key} failed: ${(e as Error).message}`);
      return { response: internalError(), routeKey: key };
    }
  };

  return createServer((req, res) => {
    const started = Date.now();
    const requestId = newRequestId();
    const received = { body: Buffer.alloc(0) };
    handle(req, requestId, received)
      .catch((e: unknown) => {
        console.error(`[gateway] ${(e as Error).message}`);
        return { response: internalError(), routeKey: undefined };
      })
      .then(({ response: answer, routeKey: key }) => {
        const { rawPath: path, rawQueryString } = splitUrl(req.url ?? '/');
        const headers = lowerCaseHeaders(req.headers);
        const response =
          options.cors && !isLocalPath(path) && !isPreflight(req.method ?? 'GET', headers)
            ? withCorsHeaders(answer, options.cors, headers.origin)
            : answer;
        const sent = send(res, response, requestId);
        options.onRequest?.({
          requestId,
          at: started,
          method: req.method ?? 'GET',
          path,
          rawQueryString,
          ...(key ? { routeKey: key } : {}),
          // 0: the connection was reset instead of answered.
          status: sent ? response.status : 0,
          durationMs: Date.now() - started,
          body: received.body,
        });
      });
  });
};
