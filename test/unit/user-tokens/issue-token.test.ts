import { describe, expect, it } from 'vitest';
import { CountingMetrics } from '../../../local/harness/counting-metrics';
import { silentLogger } from '../../../local/harness/loggers';
import { toProblem } from '../../../shared/http/problems';
import { createTokenService, type IssueRequest } from '../../../shared/user-tokens/issue-token';
import type { TokenMetricName } from '../../../shared/user-tokens/metrics';
import type { TokenRecord } from '../../../shared/user-tokens/ports';
import { FakeMesibo } from '../../support/fake-mesibo';
import { mesiboError, outage, T0, VirtualTime } from './support/fakes';
import { MemoryTokenStore } from './support/memory-store';

const MINUTE = 60_000;
const LEASE_MS = 5000;
const APPID = 'com.example.app';

const setup = (options: { latencyMs?: number } = {}) => {
  const time = new VirtualTime();
  const store = new MemoryTokenStore();
  const mesibo = new FakeMesibo(time, options.latencyMs);
  const metrics = new CountingMetrics<TokenMetricName>();
  let mesiboBuilt = 0;
  let ids = 0;
  /** One token service per container; every container shares the store and mesibo. */
  const container = () =>
    createTokenService(
      {
        store,
        mesibo: async () => {
          mesiboBuilt += 1;
          return mesibo;
        },
        clock: time.clock,
        sleep: time.sleep,
        random: () => 0.5,
        newId: () => `req-${++ids}`,
        metrics,
        logger: silentLogger(),
      },
      { refreshWindow: 0.1, leaseMs: LEASE_MS, appids: [APPID, 'com.example.other'] },
    );
  const service = container();
  return { time, store, mesibo, metrics, service, container, mesiboBuilt: () => mesiboBuilt };
};

const request = (overrides: Partial<IssueRequest> = {}): IssueRequest => ({
  address: 'alice@example.com',
  appid: APPID,
  expiryMinutes: 1000,
  ...overrides,
});

const cachedRecord = (overrides: Partial<TokenRecord> = {}): TokenRecord => ({
  address: 'alice@example.com',
  appid: APPID,
  uid: 7,
  token: 'cached-token',
  issuedAt: T0,
  expiresAt: T0 + 1000 * MINUTE,
  expiryMinutes: 1000,
  ...overrides,
});

const problemOf = async (work: Promise<unknown>) => {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  const problem = toProblem(error);
  expect(problem).toBeDefined();
  return problem!;
};

describe('issue: cache', () => {
  it('serves a fresh cached token without building or calling the mesibo client', async () => {
    const t = setup();
    t.store.seed(cachedRecord());
    const { token, source } = await t.time.run(t.service.issue(request()));
    expect(source).toBe('cache');
    expect(token.token).toBe('cached-token');
    expect(t.mesiboBuilt()).toBe(0);
    expect(t.mesibo.calls).toHaveLength(0);
    expect(t.metrics.get('TokenCacheHit')).toBe(1);
  });

  it('on a miss calls useradd once, caches the result, and the next request is a hit', async () => {
    const t = setup();
    const first = await t.time.run(t.service.issue(request({ name: 'Alice' })));
    expect(first.source).toBe('mesibo');
    expect(t.mesibo.ops('useradd')).toEqual([
      {
        op: 'useradd',
        input: { address: 'alice@example.com', name: 'Alice', token: { appid: APPID, expiryMinutes: 1000 } },
      },
    ]);
    // issuedAt is taken before the call, so the recorded expiry is never later than mesibo's.
    expect(first.token).toMatchObject({ issuedAt: T0, expiresAt: T0 + 1000 * MINUTE, expiryMinutes: 1000 });

    const second = await t.time.run(t.service.issue(request()));
    expect(second).toEqual({ token: first.token, source: 'cache', replacedLiveToken: false });
    expect(t.mesibo.ops('useradd')).toHaveLength(1);
    expect(t.store.leases).toEqual([]);
    expect(t.metrics.get('TokenCacheMiss')).toBe(1);
    expect(t.metrics.get('TokenIssued')).toBe(1);
  });

  it('renews a token once it is inside the refresh window, not before', async () => {
    const t = setup();
    t.store.seed(cachedRecord());
    t.time.now = T0 + 899 * MINUTE; // 101 of 1000 minutes left
    expect((await t.time.run(t.service.issue(request()))).source).toBe('cache');

    t.time.now = T0 + 901 * MINUTE; // 99 minutes left: inside the 10% window
    const renewed = await t.time.run(t.service.issue(request()));
    expect(renewed.source).toBe('mesibo');
    expect(renewed.token.token).not.toBe('cached-token');
    expect(t.mesibo.ops('useradd')).toHaveLength(1);
  });

  it('issues a new token when the request asks for another lifetime or name, saying it replaced a live one', async () => {
    const t = setup();
    t.store.seed(cachedRecord({ name: 'Alice' }));
    const shorter = await t.time.run(t.service.issue(request({ expiryMinutes: 60 })));
    expect(shorter).toMatchObject({ token: { expiryMinutes: 60 }, replacedLiveToken: true });
    t.store.seed(cachedRecord({ name: 'Alice' }));
    const renamed = await t.time.run(t.service.issue(request({ name: 'Alice B.' })));
    expect(renamed).toMatchObject({ source: 'mesibo', replacedLiveToken: true });
    expect((await t.time.run(t.service.issue(request({ name: 'Alice B.' })))).source).toBe('cache');
    expect(t.mesibo.ops('useradd')).toHaveLength(2);
    expect(t.metrics.get('TokenReplacedLive')).toBe(2);
  });

  it('a renewal of an expired token, or a first token, replaces nothing live', async () => {
    const t = setup();
    expect((await t.time.run(t.service.issue(request()))).replacedLiveToken).toBe(false);
    t.time.now = T0 + 1001 * MINUTE;
    const renewed = await t.time.run(t.service.issue(request()));
    expect(renewed).toMatchObject({ source: 'mesibo', replacedLiveToken: false });
  });

  it('treats a never-expiring token as always fresh', async () => {
    const t = setup();
    const first = await t.time.run(t.service.issue(request({ expiryMinutes: 0 })));
    expect(first.token.expiresAt).toBeNull();
    t.time.now = T0 + 10 * 525_600 * MINUTE;
    expect((await t.time.run(t.service.issue(request({ expiryMinutes: 0 })))).source).toBe('cache');
  });
});

describe('issue: single flight', () => {
  it('50 concurrent first requests cause exactly one useradd and all get its token', async () => {
    const t = setup();
    const all = Array.from({ length: 50 }, () => t.service.issue(request()));
    const results = await t.time.run(Promise.all(all));
    expect(t.mesibo.ops('useradd')).toHaveLength(1);
    expect(new Set(results.map((r) => r.token.token)).size).toBe(1);
    expect(results.every((r) => r.source === 'mesibo')).toBe(true);
    expect(t.store.leases).toEqual([]);
  });

  it('50 first requests in 50 containers with different names and lifetimes: one useradd, one token for all', async () => {
    const t = setup({ latencyMs: 50 });
    const all = Array.from({ length: 50 }, (_, i) =>
      t.container().issue(request({ name: `Alice ${i}`, expiryMinutes: 100 + i })),
    );
    const results = await t.time.run(Promise.all(all));
    expect(t.mesibo.ops('useradd')).toHaveLength(1);
    // The one token mesibo issued is the one every caller holds: none was revoked by a second call.
    expect(new Set(results.map((r) => r.token.token))).toEqual(new Set([t.mesibo.lastToken()]));
    expect(results.filter((r) => r.replacedLiveToken)).toEqual([]);
    expect(t.store.leases).toEqual([]);
  });

  it('a miss takes three store round trips: read, lease, store (which drops the lease)', async () => {
    const t = setup();
    const ops: string[] = [];
    for (const op of ['get', 'tryAcquireLease', 'storeIssued', 'releaseLease', 'failLease'] as const) {
      const original = t.store[op].bind(t.store) as (...args: unknown[]) => Promise<unknown>;
      (t.store as unknown as Record<string, unknown>)[op] = (...args: unknown[]) => {
        ops.push(op);
        return original(...args);
      };
    }
    await t.time.run(t.service.issue(request()));
    expect(ops).toEqual(['get', 'tryAcquireLease', 'storeIssued']);
  });

  it('keeps different appids of one address apart', async () => {
    const t = setup();
    await t.time.run(
      Promise.all([t.service.issue(request()), t.service.issue(request({ appid: 'com.example.other' }))]),
    );
    expect(t.mesibo.ops('useradd')).toHaveLength(2);
  });

  it('takes over the lease of a holder that died, once it expires', async () => {
    const t = setup();
    await t.store.tryAcquireLease(
      'alice@example.com',
      APPID,
      { owner: 'dead', expiresAt: T0 + LEASE_MS },
      { now: T0, seenIssuedAt: undefined },
    );
    const { token, source } = await t.time.run(t.service.issue(request()));
    expect(source).toBe('mesibo');
    expect(token.issuedAt).toBeGreaterThanOrEqual(T0 + LEASE_MS);
    expect(t.mesibo.ops('useradd')).toHaveLength(1);
  });

  it('while another request renews a still-valid token, serves that token at once instead of waiting', async () => {
    const t = setup();
    t.store.seed(cachedRecord());
    t.time.now = T0 + 950 * MINUTE;
    await t.store.tryAcquireLease(
      'alice@example.com',
      APPID,
      { owner: 'other', expiresAt: t.time.now + LEASE_MS },
      { now: t.time.now, seenIssuedAt: T0 },
    );
    const started = t.time.now;
    const { token, source } = await t.time.run(t.service.issue(request()));
    expect({ source, token: token.token }).toEqual({ source: 'stale', token: 'cached-token' });
    expect(t.time.now).toBe(started);
    expect(t.mesibo.calls).toHaveLength(0);
  });

  it('waiters in other containers share the holder failure instead of each calling mesibo', async () => {
    const t = setup({ latencyMs: 50 });
    t.mesibo.answer({ fail: outage() });
    const all = Array.from({ length: 10 }, () =>
      t
        .container()
        .issue(request())
        .catch((e: unknown) => e),
    );
    const outcomes = await t.time.run(Promise.all(all));
    expect(t.mesibo.ops('useradd')).toHaveLength(1);
    for (const outcome of outcomes) {
      expect(toProblem(outcome)).toMatchObject({
        status: 503,
        headers: { 'retry-after': '5' },
      });
    }
  });

  it('a holder whose lease was taken over does not overwrite the token of the one that took it', async () => {
    const t = setup();
    const at = { now: T0, seenIssuedAt: undefined };
    await t.store.tryAcquireLease(
      'alice@example.com',
      APPID,
      { owner: 'slow', expiresAt: T0 + LEASE_MS },
      at,
    );
    await t.store.tryAcquireLease(
      'alice@example.com',
      APPID,
      { owner: 'next', expiresAt: T0 + 2 * LEASE_MS },
      { now: T0 + LEASE_MS, seenIssuedAt: undefined },
    );
    const newer = cachedRecord({ token: 'newer', issuedAt: T0 + LEASE_MS });
    expect(await t.store.storeIssued(newer, { owner: 'next', startedAt: newer.issuedAt })).toBe(true);
    expect(
      await t.store.storeIssued(cachedRecord({ token: 'older' }), { owner: 'slow', startedAt: T0 }),
    ).toBe(false);
    expect((await t.store.get('alice@example.com', APPID)).record?.token).toBe('newer');
  });
});

describe('issue: degraded mesibo', () => {
  it.each([
    ['HTTP 503', outage()],
    ['timeout', mesiboError({ kind: 'timeout', error: 'TIMEOUT', retryable: true })],
    ['connection refused', mesiboError({ kind: 'network', error: 'ECONNREFUSED', retryable: true })],
    ['AUTHFAIL after the refreshed retry', mesiboError({ kind: 'api', error: 'AUTHFAIL' })],
  ])('serves a valid token inside the refresh window when mesibo fails (%s)', async (_, failure) => {
    const t = setup();
    t.store.seed(cachedRecord());
    t.time.now = T0 + 990 * MINUTE;
    t.mesibo.answer({ fail: failure });
    const { token, source } = await t.time.run(t.service.issue(request()));
    expect({ source, token: token.token }).toEqual({ source: 'stale', token: 'cached-token' });
    expect(t.metrics.get('TokenServedStale')).toBe(1);
  });

  it('answers 503 with Retry-After when mesibo is down and nothing valid is cached', async () => {
    const t = setup();
    t.store.seed(cachedRecord());
    t.time.now = T0 + 1000 * MINUTE; // expired
    t.mesibo.answer({ fail: outage() });
    const problem = await problemOf(t.time.run(t.service.issue(request())));
    expect(problem).toMatchObject({
      status: 503,
      code: 'mesibo-unavailable',
      headers: { 'retry-after': '5' },
    });
  });

  it('maps a mesibo validation error to 502 with its code, even when a token is cached', async () => {
    const t = setup();
    t.store.seed(cachedRecord());
    t.time.now = T0 + 990 * MINUTE;
    t.mesibo.answer({ fail: mesiboError({ kind: 'api', error: 'BADVALUE', cause: 'upstream text' }) });
    const problem = await problemOf(t.time.run(t.service.issue(request())));
    expect(problem).toMatchObject({
      status: 502,
      code: 'mesibo-rejected',
      extensions: { mesiboError: 'BADVALUE' },
    });
    expect(JSON.stringify(problem)).not.toContain('upstream text');
  });

  it('a request arriving after a failure tries mesibo again at once', async () => {
    const t = setup();
    t.mesibo.answer({ fail: outage() });
    await problemOf(t.time.run(t.service.issue(request())));
    expect((await t.time.run(t.service.issue(request()))).source).toBe('mesibo');
    expect(t.mesibo.ops('useradd')).toHaveLength(2);
  });
});

describe('revoke and delete', () => {
  it('revokes at mesibo, tombstones every cached appid, and blocks a token issued before the revocation', async () => {
    const t = setup();
    t.store.seed(cachedRecord());
    t.time.now = T0 + MINUTE;
    await t.time.run(t.service.revoke('alice@example.com'));
    expect(t.mesibo.ops('userset')).toEqual([
      { op: 'userset', input: { address: 'alice@example.com', removeToken: true } },
    ]);
    expect(await t.store.get('alice@example.com', APPID)).toEqual({});
    expect((await t.time.run(t.service.issue(request()))).token.token).not.toBe('cached-token');
  });

  it('a useradd in flight during a revocation does not repopulate the cache', async () => {
    const t = setup({ latencyMs: 1000 });
    const login = t.service.issue(request());
    const revoke = (async () => {
      await t.time.sleep(500); // while the login's useradd is at mesibo
      await t.service.revoke('alice@example.com');
    })();
    const [issued] = await t.time.run(Promise.all([login, revoke]));
    expect(issued.source).toBe('mesibo');
    expect(await t.store.get('alice@example.com', APPID)).toEqual({});
  });

  it('treats revoking or deleting a user mesibo does not know as done', async () => {
    const t = setup();
    t.mesibo.answer({ fail: mesiboError({ kind: 'api', error: 'BADVALUE', op: 'userset' }) });
    await t.time.run(t.service.revoke('ghost'));
    t.mesibo.answer({ fail: mesiboError({ kind: 'api', error: 'BADVALUE', op: 'userdel' }) });
    await t.time.run(t.service.deleteUser('ghost'));
  });

  it('deletes the user at mesibo and erases every cached token, leaving tombstones', async () => {
    const t = setup();
    t.store.seed(cachedRecord());
    t.store.seed(cachedRecord({ appid: 'com.example.other' }));
    await t.time.run(t.service.deleteUser('alice@example.com'));
    expect(t.mesibo.ops('userdel')).toEqual([{ op: 'userdel', input: { address: 'alice@example.com' } }]);
    expect([...t.store.slots.values()].filter((slot) => slot.record)).toEqual([]);
    expect([...t.store.slots.values()].every((slot) => slot.revokedAt !== undefined)).toBe(true);
  });

  it('leaves the cache alone and answers 503 when mesibo is down', async () => {
    const t = setup();
    t.store.seed(cachedRecord());
    t.mesibo.answer({ fail: outage() });
    expect(await problemOf(t.time.run(t.service.deleteUser('alice@example.com')))).toMatchObject({
      status: 503,
    });
    expect([...t.store.slots.values()].map((slot) => slot.record?.token)).toEqual(['cached-token']);
  });
});
