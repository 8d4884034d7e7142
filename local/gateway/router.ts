/**
 * Route matching as HTTP API does it: exact method, `{name}` matches one non-empty path segment,
 * and a literal segment wins over a parameter where both match.
 */
import type { Route } from '../../shared/routes';

export interface RouteMatch {
  route: Route;
  /** Decoded path parameters (null when the route has none, as in the real event). */
  pathParameters: Record<string, string> | null;
}

const segments = (path: string): string[] => path.split('/').slice(1);

export const matchRoute = (
  routes: readonly Route[],
  method: string,
  rawPath: string,
): RouteMatch | undefined => {
  const actual = segments(rawPath);
  let best: { match: RouteMatch; literals: number } | undefined;
  for (const route of routes) {
    if (route.method !== method) continue;
    const pattern = segments(route.path);
    if (pattern.length !== actual.length) continue;
    const params: Record<string, string> = {};
    let literals = 0;
    const ok = pattern.every((p, i) => {
      const seg = actual[i] ?? '';
      const param = /^\{(\w+)\}$/.exec(p)?.[1];
      if (param) {
        if (seg === '') return false;
        try {
          params[param] = decodeURIComponent(seg);
        } catch {
          params[param] = seg;
        }
        return true;
      }
      literals += 1;
      return p === seg;
    });
    if (ok && (!best || literals > best.literals)) {
      best = {
        match: { route, pathParameters: Object.keys(params).length ? params : null },
        literals,
      };
    }
  }
  return best?.match;
};
