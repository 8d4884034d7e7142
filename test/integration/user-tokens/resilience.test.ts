/**
 * Concurrency and failure behaviour over real sockets: single flight through DynamoDB leases, app
 * token rotation through the real Secrets Manager client, and mesibo faults injected in the emulator.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { iamEvent, jwtEvent, lambdaContext } from '../../../local/harness/user-tokens/events';
import {
  type HarnessOptions,
  SECRET_ID,
  startTokenHarness,
  type TokenHarness,
} from '../../../local/harness/user-tokens/harness';

const MINUTE = 60_000;
let h: TokenHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const start = async (options: HarnessOptions = {}) => {
  h = await startTokenHarness(options);
  return h;
};

const call = async (harness: TokenHarness, event: Parameters<TokenHarness['handler']>[0]) => {
  const result = (await harness.handler(event, lambdaContext())) as APIGatewayProxyStructuredResultV2;
  return { ...result, json: result.body ? (JSON.parse(result.body) as Record<string, unknown>) : undefined };
};

/** A clock the test moves; the emulator keeps real time, which only matters to mesibo's own expiry. */
const movableClock = () => {
  const clock = { offset: 0, now: () => Date.now() + clock.offset };
  return clock;
};

/** A lease on the default appid held by another request until `expiresAt`. */
const seedLease = (t: TokenHarness, address: string, owner: string, expiresAt: number) =>
  t.dynamo.doc.send(
    new PutCommand({
      TableName: t.usersTable,
      Item: { pk: address, sk: 'appid#com.example.app', leaseOwner: owner, leaseExpiresAt: expiresAt },
    }),
  );

const issueFor = (sub: string) => jwtEvent({ method: 'POST', claims: { sub } });

describe('single flight', () => {
  it('50 concurrent first requests for one address make exactly one useradd, and all succeed', async () => {
    const t = await start();
    await t.control.addFault({ kind: 'latency', ms: 100, ops: ['useradd'] });
    const results = await Promise.all(Array.from({ length: 50 }, () => call(t, issueFor('crowd'))));
    expect(results.map((r) => r.statusCode)).toEqual(Array(50).fill(200));
    expect(new Set(results.map((r) => r.json?.token)).size).toBe(1);
    expect(await t.control.requests({ op: 'useradd' })).toHaveLength(1);
    // The lease went with the write that stored the token.
    const items = await t.items();
    expect(items.map((i) => i.sk)).toEqual(['appid#com.example.app']);
    expect(items[0]).not.toHaveProperty('leaseOwner');
  });

  it('takes over a lease whose holder died, once it expires', async () => {
    const t = await start();
    await seedLease(t, 'orphan', 'crashed', Date.now() + 400);
    const res = await call(t, issueFor('orphan'));
    expect(res.statusCode).toBe(200);
    expect(await t.control.requests({ op: 'useradd' })).toHaveLength(1);
  });

  it("ends the holder's useradd when its lease runs out (never two callers at mesibo), answering 503", async () => {
    // The per-attempt timeout is far longer than the lease: only the lease bound can end the call,
    // which the client reports as ABORTED (its own timeout would be TIMEOUT).
    const t = await start({ env: { TOKEN_LEASE_MS: '300' }, mesibo: { timeoutMs: 10_000, maxAttempts: 1 } });
    await t.control.addFault({ kind: 'hang', ops: ['useradd'] });
    const res = await call(t, issueFor('slow'));
    expect(res.statusCode).toBe(503);
    expect(res.headers).toMatchObject({ 'retry-after': '5' });
    // The failure is left on the lease for the requests that waited on it; no token was cached.
    const [item, ...others] = await t.items();
    expect(others).toEqual([]);
    expect(item).not.toHaveProperty('token');
    expect(item?.leaseFailure).toEqual({ kind: 'unavailable', mesiboError: 'ABORTED' });
  });

  it('a waiter gives up with 503 at its deadline when the lease stays held (and never calls mesibo)', async () => {
    const t = await start({ env: { TOKEN_LEASE_MS: '200' } });
    // A holder whose lease runs far beyond the waiter's deadline of two leases (a skewed clock, say).
    await seedLease(t, 'stuck', 'other', Date.now() + 60_000);
    const res = await call(t, issueFor('stuck'));
    expect(res.statusCode).toBe(503);
    expect(res.headers).toMatchObject({ 'content-type': 'application/problem+json', 'retry-after': '5' });
    expect(res.json?.detail).toMatch(/another request for this user/);
    expect(await t.control.requests({ op: 'useradd' })).toHaveLength(0);
  });
});

describe('app token rotation', () => {
  it('picks up a rotated secret on AUTHFAIL with one Secrets Manager read and one retry', async () => {
    const t = await start({ secretValue: 'app-token-before-rotation-000000000000' });
    // Secrets Manager still holds a token mesibo no longer accepts: refreshing does not help yet.
    const refused = await call(t, issueFor('rita'));
    expect(refused.statusCode).toBe(503);
    expect(t.secrets.reads).toBe(2);

    t.secrets.set(SECRET_ID, t.emulator.appToken); // the operator finishes the rotation
    const ok = await call(t, issueFor('rita'));
    expect(ok.statusCode).toBe(200);
    expect(t.secrets.reads).toBe(3);
    const useradds = await t.control.requests({ op: 'useradd' });
    // First request: refused, and the refresh returned the same value, so no retry. Second: refused, refreshed, retried.
    expect(useradds.map((r) => r.error ?? 'ok')).toEqual(['AUTHFAIL', 'AUTHFAIL', 'ok']);

    // The refreshed value is cached again: the next miss reads no secret.
    await call(t, issueFor('sam'));
    expect(t.secrets.reads).toBe(3);
  });
});

describe('degraded mesibo', () => {
  const cases = [
    { name: 'HTTP 503', fault: { kind: 'status', status: 503, ops: ['useradd'] } },
    { name: 'a hang', fault: { kind: 'hang', ops: ['useradd'] } },
    { name: 'a reset connection', fault: { kind: 'reset', ops: ['useradd'] } },
  ] as const;

  it.each(cases)(
    'returns the cached token inside its refresh window when mesibo fails with $name',
    async ({ fault }) => {
      const clock = movableClock();
      const t = await start({ clock, env: { TOKEN_EXPIRY_MINUTES: '100' }, mesibo: { timeoutMs: 300 } });
      const issued = await call(t, issueFor('uma'));
      clock.offset = 95 * MINUTE; // 5 of 100 minutes left: due for renewal
      await t.control.addFault(fault);
      const res = await call(t, issueFor('uma'));
      expect(res.statusCode).toBe(200);
      expect(res.json?.token).toBe(issued.json?.token);
      expect((await t.control.requests({ op: 'useradd' })).length).toBeGreaterThan(1);
    },
  );

  it.each(cases)(
    'answers 503 with Retry-After when nothing valid is cached and mesibo fails with $name',
    async ({ fault }) => {
      const clock = movableClock();
      const t = await start({ clock, env: { TOKEN_EXPIRY_MINUTES: '100' }, mesibo: { timeoutMs: 300 } });
      await call(t, issueFor('victor'));
      clock.offset = 101 * MINUTE; // expired
      await t.control.addFault(fault);
      const res = await call(t, issueFor('victor'));
      expect(res.statusCode).toBe(503);
      expect(res.headers).toMatchObject({ 'content-type': 'application/problem+json', 'retry-after': '5' });
      expect(res.json).toMatchObject({ code: 'mesibo-unavailable' });
      expect(res.body).not.toContain(t.emulator.appToken);
    },
  );

  it('answers 503 on revoke and delete while mesibo is down, leaving the cache as it was', async () => {
    const t = await start();
    await call(t, issueFor('wendy'));
    await t.control.addFault({ kind: 'status', status: 500 });
    const revoke = await call(t, jwtEvent({ method: 'DELETE', claims: { sub: 'wendy' } }));
    const del = await call(t, iamEvent({ method: 'DELETE', route: '/v1/users/{address}', address: 'wendy' }));
    expect([revoke.statusCode, del.statusCode]).toEqual([503, 503]);
    expect((await t.items()).map((i) => i.token)).toEqual([expect.any(String)]);
  });
});
