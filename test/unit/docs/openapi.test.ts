import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { currentOpenApiDocument } from '../../../local/dev/openapi';
import { routes } from '../../../shared/routes';

const committed = JSON.parse(readFileSync(new URL('../../../docs/openapi.json', import.meta.url), 'utf8'));
const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

const operationsIn = (doc: { paths: Record<string, Record<string, unknown>> }) =>
  Object.entries(doc.paths)
    .flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => METHODS.has(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    )
    .sort();

describe('docs/openapi.json', () => {
  it('is up to date with the route table and request schemas (run `npm run openapi`)', async () => {
    expect(committed).toEqual(JSON.parse(JSON.stringify(await currentOpenApiDocument())));
  });

  it('names a deployed server and the local one, each with the part that varies', () => {
    const servers = committed.servers as { url: string; variables: Record<string, { default: string }> }[];
    expect(servers.map((s) => s.url)).toEqual(['https://{host}', 'http://127.0.0.1:{port}']);
    expect(servers[1]?.variables.port?.default).toBe('3000');
  });

  it('describes exactly the routes of the route table', () => {
    expect(operationsIn(committed)).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('gives each route the security scheme of its auth kind', () => {
    const scheme = { jwt: 'userJwt', iam: 'awsSigV4', hmac: 'webhookSignature' } as const;
    for (const route of routes) {
      const op = committed.paths[route.path][route.method.toLowerCase()];
      const expected = route.auth === 'none' ? [] : [{ [scheme[route.auth]]: [] }];
      expect(op.security, `${route.method} ${route.path}`).toEqual(expected);
    }
  });

  it('documents every path parameter', () => {
    for (const route of routes) {
      const names = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const op = committed.paths[route.path][route.method.toLowerCase()];
      const documented = (op.parameters ?? [])
        .filter((p: { in: string }) => p.in === 'path')
        .map((p: { name: string }) => p.name);
      expect(documented).toEqual(names);
    }
  });

  it('gives every route that reads a body its 413 and 415 refusals', () => {
    const withBody = routes.filter((r) => committed.paths[r.path][r.method.toLowerCase()].requestBody);
    expect(withBody.length).toBeGreaterThan(0);
    for (const route of withBody) {
      const { responses } = committed.paths[route.path][route.method.toLowerCase()];
      expect(Object.keys(responses), `${route.method} ${route.path}`).toEqual(
        expect.arrayContaining(['413', '415']),
      );
    }
  });
});
