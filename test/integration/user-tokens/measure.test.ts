/**
 * The token path's budget, counted (not timed): per 200 requests for 20 users, mesibo sees one
 * useradd per user, and a cache hit costs exactly one DynamoDB read. Latencies are printed, not asserted;
 * `npm run bench` runs it at scale.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTokenHarness, type TokenHarness } from '../../../local/harness/user-tokens/harness';
import { measureTokenPath } from '../../../local/harness/user-tokens/measure';

let h: TokenHarness;
beforeAll(async () => {
  h = await startTokenHarness();
});
afterAll(() => h.close());

it('200 token requests for 20 users: 20 useradds, one DynamoDB read per hit', async () => {
  const m = await measureTokenPath(h, { users: 20, requests: 200, concurrency: 10, mesiboLatencyMs: 50 });
  console.info(`token path: ${JSON.stringify(m)}`);
  expect(m.useradd).toBe(20);
  expect(m.mesiboCallsPer1000Requests).toBe(100);
  expect(m.secretsManagerReads).toBe(1);
  expect(m.dynamoPerHit).toEqual({ GetItemCommand: 1 });
  expect(m.latencyMs.hit.count).toBe(180);
  expect(m.latencyMs.miss.count).toBe(20);
});
