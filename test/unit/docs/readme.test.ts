import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { routes } from '../../../shared/routes';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const AUTH = { jwt: 'end-user JWT', iam: 'IAM (SigV4)', hmac: 'HMAC signature', none: 'none' } as const;

describe('README.md', () => {
  it("lists every route of the route table, with its caller's authentication", () => {
    const rows = new Map(
      [...readme.matchAll(/^\| `([A-Z]+ \/\S+)` \| ([^|]+) \|/gm)].map((m) => [m[1], m[2]?.trim()]),
    );
    for (const route of routes) {
      expect(rows.get(`${route.method} ${route.path}`), `${route.method} ${route.path}`).toBe(
        AUTH[route.auth],
      );
    }
    expect(rows.size).toBe(routes.length);
  });
});
