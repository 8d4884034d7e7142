/**
 * CORS as an HTTP API with a CorsConfiguration does it: a preflight (OPTIONS with Origin and
 * Access-Control-Request-Method) is answered by the gateway itself, never reaching a function or an
 * authorizer; every other response to an allowed Origin gets the configured headers, and CORS
 * headers a function sets itself are dropped. A disallowed origin gets no CORS headers, so the
 * browser blocks the call.
 */
import {
  CORS_ALLOW_HEADERS,
  CORS_ALLOW_METHODS,
  CORS_EXPOSE_HEADERS,
  type CorsPolicy,
  originAllowed,
} from '../../shared/http/cors';
import type { HttpResponse } from './result';

export const isPreflight = (method: string, headers: Record<string, string>): boolean =>
  method === 'OPTIONS' &&
  headers.origin !== undefined &&
  headers['access-control-request-method'] !== undefined;

export const preflightResponse = (policy: CorsPolicy, origin: string): HttpResponse => ({
  status: 204,
  headers: originAllowed(origin, policy.allowOrigins)
    ? {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': CORS_ALLOW_METHODS.join(','),
        'access-control-allow-headers': CORS_ALLOW_HEADERS.join(','),
        'access-control-max-age': String(policy.maxAgeSeconds),
        vary: 'origin',
      }
    : {},
  body: Buffer.alloc(0),
});

export const withCorsHeaders = (
  response: HttpResponse,
  policy: CorsPolicy,
  origin: string | undefined,
): HttpResponse => {
  const headers = Object.fromEntries(
    Object.entries(response.headers).filter(([name]) => !name.startsWith('access-control-')),
  );
  if (origin !== undefined && originAllowed(origin, policy.allowOrigins)) {
    headers['access-control-allow-origin'] = origin;
    headers['access-control-expose-headers'] = CORS_EXPOSE_HEADERS.join(',');
    headers.vary = 'origin';
  }
  return { ...response, headers };
};
