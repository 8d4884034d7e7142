/**
 * The browser (CORS) policy of the HTTP API, one definition for both front ends: the CDK stack turns
 * it into the HTTP API's CorsConfiguration, and the local gateway answers preflights and adds the
 * headers the same way. Only origins vary per stage; what a browser may send and read follows from
 * the routes. No credentials mode: callers send a bearer token, never a cookie.
 */
import { routes } from '../routes';

export interface CorsPolicy {
  /**
   * Origins allowed to call the API from a browser: exact origins (`https://app.example.com`), or the
   * HTTP API wildcards `*`, `https://*`, `http://*`. The local gateway also takes `http://host:*`
   * (any port of one host), which is how it allows local dev servers by default.
   */
  allowOrigins: readonly string[];
  /** How long a browser may cache a preflight answer, seconds. */
  maxAgeSeconds: number;
}

/** The methods the route table uses. */
export const CORS_ALLOW_METHODS: readonly string[] = [...new Set(routes.map((r) => r.method))].sort();

/** What a web app sends: its IdP token and a JSON body. */
export const CORS_ALLOW_HEADERS: readonly string[] = ['authorization', 'content-type'];

/** What a web app must read: when to retry (429/503), and the id to quote in a support request. */
export const CORS_EXPOSE_HEADERS: readonly string[] = ['retry-after', 'apigw-requestid'];

/** The local stack's default: any dev server on this machine, whatever its port. */
export const LOCAL_CORS_POLICY: CorsPolicy = {
  allowOrigins: ['http://localhost:*', 'http://127.0.0.1:*'],
  maxAgeSeconds: 300,
};

/** What an allowOrigins entry may be, for the messages that refuse one. */
export const ORIGIN_PATTERN_RULE =
  'must be an origin (scheme://host[:port], no path or trailing slash), *, https://* or http://*';

/**
 * Whether `pattern` is an allowOrigins entry as HTTP API takes it: an exact http(s) origin or one of
 * its wildcards; with `anyPort`, also the local gateway's `http://host:*`.
 */
export const isOriginPattern = (pattern: string, { anyPort = false } = {}): boolean => {
  if (['*', 'https://*', 'http://*'].includes(pattern)) return true;
  const portWildcard = anyPort && pattern.endsWith(':*');
  const origin = portWildcard ? pattern.slice(0, -2) : pattern;
  try {
    const url = new URL(origin);
    const web = url.protocol === 'https:' || url.protocol === 'http:';
    // HTTP API has no other wildcard (no `https://*.example.com`): any other `*` would match nothing.
    return web && url.origin === origin && !origin.includes('*') && !(portWildcard && url.port !== '');
  } catch {
    return false;
  }
};

/** Whether a request's `Origin` is allowed by one of the patterns. */
export const originAllowed = (origin: string, patterns: readonly string[]): boolean =>
  patterns.some((pattern) => {
    if (pattern === '*') return true;
    if (pattern === 'https://*' || pattern === 'http://*') return origin.startsWith(pattern.slice(0, -1));
    if (pattern.endsWith(':*')) {
      const host = pattern.slice(0, -1);
      return (
        origin === host.slice(0, -1) ||
        (origin.startsWith(host) && /^\d{1,5}$/.test(origin.slice(host.length)))
      );
    }
    return origin === pattern;
  });
