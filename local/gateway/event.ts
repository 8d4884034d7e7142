/**
 * Builds the API Gateway HTTP API (payload format 2.0) event a Lambda integration receives, from a
 * raw HTTP request: lower-cased headers (repeats joined with commas), cookies split out, query
 * parameters decoded, body base64-encoded unless its content type is text.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { IamAuthorizerContext } from './iam-authorizer';
import type { JwtAuthorizerContext } from './jwt-authorizer';

export const LOCAL_API_ID = 'local';

export interface RawRequest {
  method: string;
  /** Request target as sent: path plus optional `?query`. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  sourceIp: string;
  protocol: string;
}

export interface EventContext {
  routeKey: string;
  pathParameters: Record<string, string> | null;
  accountId: string;
  authorizer?: { jwt: JwtAuthorizerContext } | { iam: IamAuthorizerContext };
  now?: Date;
  requestId?: string;
}

/** Event type with the authorizer block the local gateway fills in (the aws-lambda type omits it). */
export type LocalHttpEvent = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayProxyEventV2['requestContext'] & {
    authorizer?: EventContext['authorizer'];
  };
};

const TEXT_TYPE = /^(text\/|application\/([\w.+-]+\+)?(json|xml|javascript|x-www-form-urlencoded))/i;

export const splitUrl = (url: string): { rawPath: string; rawQueryString: string } => {
  const q = url.indexOf('?');
  return q < 0
    ? { rawPath: url, rawQueryString: '' }
    : { rawPath: url.slice(0, q), rawQueryString: url.slice(q + 1) };
};

export const lowerCaseHeaders = (headers: IncomingHttpHeaders): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
};

/** `22/Apr/2020:17:32:07 +0000`, the format of `requestContext.time`. */
export const clfTime = (d: Date): string => {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
};

/** An id shaped like API Gateway's (`JKJaXmPLvHcESHA=`). */
export const newRequestId = (): string => randomBytes(10).toString('base64');

export const buildHttpEvent = (req: RawRequest, ctx: EventContext): LocalHttpEvent => {
  const now = ctx.now ?? new Date();
  const { rawPath, rawQueryString } = splitUrl(req.url);
  const headers = lowerCaseHeaders(req.headers);
  const cookieHeader = headers.cookie;
  delete headers.cookie;
  const host = headers.host ?? '127.0.0.1';

  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(rawQueryString)) {
    query[k] = k in query ? `${query[k]},${v}` : v;
  }
  const hasBody = req.body.length > 0;
  const isText = TEXT_TYPE.test(headers['content-type'] ?? '');

  const event: LocalHttpEvent = {
    version: '2.0',
    routeKey: ctx.routeKey,
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: ctx.accountId,
      apiId: LOCAL_API_ID,
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method: req.method,
        path: rawPath,
        protocol: req.protocol,
        sourceIp: req.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: ctx.requestId ?? newRequestId(),
      routeKey: ctx.routeKey,
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
      ...(ctx.authorizer ? { authorizer: ctx.authorizer } : {}),
    },
    isBase64Encoded: hasBody && !isText,
  };
  if (cookieHeader) event.cookies = cookieHeader.split(/;\s*/).filter(Boolean);
  if (Object.keys(query).length) event.queryStringParameters = query;
  if (ctx.pathParameters) event.pathParameters = ctx.pathParameters;
  if (hasBody) event.body = isText ? req.body.toString('utf8') : req.body.toString('base64');
  return event;
};
