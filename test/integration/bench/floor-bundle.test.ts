/**
 * The two SDK-only floors as built: the SDK as its packages ship it, and the SDK tuned as the
 * function bundles tune it (infra/bundling.ts). Built with esbuild for real, as the bench builds them.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFloor, type FloorPlan, type FloorSdk } from '../../../bench/lib/floor';
import { DEFAULT_CREDENTIAL_CHAIN, NODE_HTTP_IMPORT } from '../../support/bundle-markers';

const root = join(import.meta.dirname, '..', '..', '..');
const plan: FloorPlan = [
  [{ target: 'DynamoDB_20120810.GetItem', method: 'POST', path: '/', body: '{"TableName":"t","Key":{}}' }],
  [{ method: 'POST', path: '/backend/', contentType: 'application/json', body: '{}' }],
];

describe('SDK-only floors', () => {
  let dir: string;
  const code: Partial<Record<FloorSdk, string>> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'floor-bundle-'));
    for (const sdk of ['as-shipped', 'tuned'] as const) {
      const out = join(dir, sdk);
      await bundleFloor([plan], out, root, sdk);
      const files = (await readdir(out)).filter((f) => f.endsWith('.mjs'));
      code[sdk] = (await Promise.all(files.map((f) => readFile(join(out, f), 'utf8')))).join('\n');
    }
  }, 60_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("carries the SDK's default credential chain as shipped, and only the environment's when tuned", () => {
    expect(code['as-shipped']).toContain(DEFAULT_CREDENTIAL_CHAIN);
    expect(code.tuned).not.toContain(DEFAULT_CREDENTIAL_CHAIN);
  });

  it('swaps nothing as shipped, and node:http for its CommonJS module when tuned', () => {
    // As shipped, the SDK's instance-metadata provider and its http handler import node:http.
    expect([...code['as-shipped']!.matchAll(NODE_HTTP_IMPORT)].length).toBeGreaterThan(0);
    expect([...code.tuned!.matchAll(NODE_HTTP_IMPORT)].length).toBe(0);
  });
});
