/**
 * Fault tests: the emulator injects transport faults and the tests check what the client did about
 * them (how many requests reached the emulator, what was applied, what the caller saw).
 */
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { MesiboError } from '../../../shared/mesibo/index';
import { errorTexts, expectSecretAbsent, failure, STYLES, useHarness } from './harness';

const freePortThatRefuses = async (): Promise<number> => {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};

describe.each(STYLES)('mesibo client faults over %s', (style) => {
  const h = useHarness(style);
  const attemptsFor = async (op: string) => (await h.control.requests({ op })).length;

  describe('transient faults are retried and then succeed', () => {
    it.each([500, 503, 429])('HTTP %i', async (status) => {
      await h.control.addFault({ kind: 'status', status, ops: ['usersget'], count: 1 });
      const result = await h.client().usersget();
      expect(result.count).toBe(0);
      expect(await attemptsFor('usersget')).toBe(2);
      // The emulator sends Retry-After: 1 with 429/503: honoured (≤ maxDelay); else the jittered backoff.
      expect(h.sleeps).toEqual([status === 500 ? 50 : 1000]);
    });

    it.each(['reset', 'malformed'] as const)('%s', async (kind) => {
      const { gid } = await h.client().groupadd({ name: 'G' });
      await h.control.addFault({ kind, ops: ['groupset'], count: 1 });
      await h.client().groupset({ gid, name: 'Renamed' });
      expect((await h.control.state()).groups.map((g) => [g.gid, g.name])).toEqual([[gid, 'Renamed']]);
      expect(await attemptsFor('groupset')).toBe(2);
    });

    it('hang, ended by the per-attempt timeout', async () => {
      await h.control.addFault({ kind: 'hang', ops: ['useradd'], count: 1 });
      const { uid } = await h.client({ timeoutMs: 300 }).useradd({ address: 'slowpoke' });
      expect(uid).toEqual(expect.any(Number));
      expect(await attemptsFor('useradd')).toBe(2);
      expect(h.logs.filter((l) => l.level === 'warn').map((l) => l.attrs)).toEqual([
        expect.objectContaining({ op: 'useradd', kind: 'timeout', error: 'TIMEOUT', attempt: 1 }),
      ]);
    });
  });

  describe('retries stop at the bound', () => {
    it('HTTP 500 on every attempt: maxAttempts requests, backoff doubling, then the error', async () => {
      await h.control.addFault({ kind: 'status', status: 500, ops: ['groupset'] });
      const error = await failure(h.client({ maxAttempts: 4 }).groupset({ gid: 1, name: 'x' }));
      expect(error).toMatchObject({
        op: 'groupset',
        kind: 'http',
        error: 'HTTP_500',
        code: 500,
        httpStatus: 500,
        retryable: true,
        attempts: 4,
      });
      expect(await attemptsFor('groupset')).toBe(4);
      expect(h.sleeps).toEqual([50, 100, 200]);
    });

    it('malformed on every attempt: BADRESPONSE', async () => {
      await h.control.addFault({ kind: 'malformed', ops: ['usersget'] });
      const error = await failure(h.client().usersget());
      expect(error).toMatchObject({ kind: 'protocol', error: 'BADRESPONSE', retryable: true, attempts: 3 });
      expect(await attemptsFor('usersget')).toBe(3);
    });

    it('reset on every attempt: NETWORK', async () => {
      await h.control.addFault({ kind: 'reset', ops: ['userdel'] });
      const error = await failure(h.client({ maxAttempts: 2 }).userdel({ address: 'x' }));
      expect(error).toMatchObject({ kind: 'network', error: 'NETWORK', retryable: true, attempts: 2 });
      expect(await attemptsFor('userdel')).toBe(2);
    });

    it('hang on every attempt: TIMEOUT', async () => {
      await h.control.addFault({ kind: 'hang', ops: ['groupgetmembers'] });
      const error = await failure(h.client({ timeoutMs: 200, maxAttempts: 2 }).groupgetmembers({ gid: 1 }));
      expect(error).toMatchObject({ kind: 'timeout', error: 'TIMEOUT', retryable: true, attempts: 2 });
    });

    it('connection refused: NETWORK after maxAttempts', async () => {
      const port = await freePortThatRefuses();
      const client = h.client({ baseUrl: `http://127.0.0.1:${port}/backend/` });
      const error = await failure(client.usersget());
      expect(error).toMatchObject({ kind: 'network', error: 'NETWORK', retryable: true, attempts: 3 });
      expect(error.cause).toContain('ECONNREFUSED');
    });
  });

  describe('no retry for permanent failures', () => {
    it('BADVALUE is answered once', async () => {
      const error = await failure(h.client().groupdel({ gid: 12345 }));
      expect(error).toMatchObject({ error: 'BADVALUE', attempts: 1 });
      expect(await attemptsFor('groupdel')).toBe(1);
      expect(h.sleeps).toEqual([]);
    });

    it.each([400, 404, 409])('HTTP %i is answered once', async (status) => {
      await h.control.addFault({ kind: 'status', status, ops: ['usersget'] });
      const error = await failure(h.client().usersget());
      expect(error).toMatchObject({
        kind: 'http',
        error: `HTTP_${status}`,
        httpStatus: status,
        retryable: false,
        attempts: 1,
      });
      expect(await attemptsFor('usersget')).toBe(1);
    });
  });

  describe('timeouts', () => {
    it('a slow answer inside the timeout succeeds', async () => {
      await h.control.addFault({ kind: 'latency', ms: 100, ops: ['usersget'] });
      expect((await h.client({ timeoutMs: 2000 }).usersget()).count).toBe(0);
    });

    it('a slow answer beyond the timeout fails as TIMEOUT', async () => {
      await h.control.addFault({ kind: 'latency', ms: 1500, ops: ['usersget'] });
      const error = await failure(h.client({ timeoutMs: 150, maxAttempts: 1 }).usersget());
      expect(error).toMatchObject({ kind: 'timeout', error: 'TIMEOUT', attempts: 1 });
    });

    it('the caller’s signal aborts the call, without retries', async () => {
      await h.control.addFault({ kind: 'hang', ops: ['usersget'] });
      const controller = new AbortController();
      const pending = h.client().usersget({}, { signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      const error = await failure(pending);
      expect(error).toMatchObject({ kind: 'timeout', error: 'ABORTED', retryable: false, attempts: 1 });
    });
  });

  describe('message is never duplicated by retries', () => {
    it('status-after-apply: one message recorded, one request, error not retryable', async () => {
      const client = h.client();
      await client.useradd({ address: 'sys' });
      await h.control.addFault({ kind: 'status-after-apply', status: 500, ops: ['message'], count: 1 });
      const error = await failure(client.message({ from: 'sys', to: 'u1', message: 'once' }));
      expect(error).toMatchObject({
        op: 'message',
        kind: 'http',
        error: 'HTTP_500',
        retryable: false,
        attempts: 1,
      });
      expect((await h.control.state()).messages).toHaveLength(1);
      expect(await attemptsFor('message')).toBe(1);
    });

    it.each(['reset', 'hang', 'malformed'] as const)('%s: a single attempt', async (kind) => {
      const client = h.client({ timeoutMs: 300 });
      await client.useradd({ address: 'sys' });
      await h.control.addFault({ kind, ops: ['message'], count: 1 });
      const error = await failure(client.message({ from: 'sys', to: 'u1', message: 'once' }));
      expect(error.retryable).toBe(false);
      expect(await attemptsFor('message')).toBe(1);
    });

    it('groupadd is held back the same way: one group, one request', async () => {
      await h.control.addFault({ kind: 'status-after-apply', status: 500, ops: ['groupadd'], count: 1 });
      const error = await failure(h.client().groupadd({ name: 'once' }));
      expect(error).toMatchObject({ op: 'groupadd', retryable: false, attempts: 1 });
      expect((await h.control.state()).groups).toHaveLength(1);
      expect(await attemptsFor('groupadd')).toBe(1);
    });

    it('a refused connection (never sent) is retried', async () => {
      const port = await freePortThatRefuses();
      const client = h.client({ baseUrl: `http://127.0.0.1:${port}/` });
      const error = await failure(client.message({ from: 'sys', to: 'u1' }));
      expect(error).toMatchObject({ kind: 'network', attempts: 3, retryable: true });
    });

    it('retryUnsafe opts into at-least-once: the duplicate is visible', async () => {
      const client = h.client();
      await client.useradd({ address: 'sys' });
      await h.control.addFault({ kind: 'status-after-apply', status: 503, ops: ['message'], count: 1 });
      const { mid } = await client.message(
        { from: 'sys', to: 'u1', message: 'twice' },
        { retryUnsafe: true },
      );
      const { messages } = await h.control.state();
      expect(messages).toHaveLength(2);
      expect(messages[1]!.mid).toBe(mid);
    });
  });

  describe('AUTHFAIL rotation', () => {
    const rotatingSource = (right: () => string) => {
      const calls: ({ forceRefresh?: boolean } | undefined)[] = [];
      const source = async (o?: { forceRefresh?: boolean }) => {
        calls.push(o);
        return o?.forceRefresh ? right() : 'stale-app-token-0123456789abcdef';
      };
      return { source, calls };
    };

    it('refreshes the token once and retries', async () => {
      const { source, calls } = rotatingSource(() => h.emulator.appToken);
      const added = await h.client({ appToken: source }).useradd({ address: 'rot', token: { appid: 'a' } });
      expect(added.uid).toEqual(expect.any(Number));
      expect(calls).toEqual([undefined, { forceRefresh: true }]);
      const requests = await h.control.requests({ op: 'useradd' });
      expect(requests.map((r) => r.error ?? 'ok')).toEqual(['AUTHFAIL', 'ok']);
      expectSecretAbsent(['stale-app-token-0123456789abcdef', h.emulator.appToken], JSON.stringify(h.logs));
    });

    it('is safe for message: AUTHFAIL applied nothing, so exactly one message', async () => {
      await h.client().useradd({ address: 'sys' });
      const { source } = rotatingSource(() => h.emulator.appToken);
      await h.client({ appToken: source }).message({ from: 'sys', to: 'u1', message: 'm' });
      expect((await h.control.state()).messages).toHaveLength(1);
    });

    it('does not re-send when the refresh returns the same token', async () => {
      const client = h.client({ appToken: async () => 'stale-app-token-0123456789abcdef' });
      const error = await failure(client.userdel({ address: 'x' }));
      expect(error).toMatchObject({ error: 'AUTHFAIL', attempts: 1 });
      expect(await attemptsFor('userdel')).toBe(1);
    });
  });

  describe('the app token never leaks', () => {
    it('from any kind of failure, its JSON view, or any log line', async () => {
      const secret = h.emulator.appToken;
      const client = h.client({ timeoutMs: 200, maxAttempts: 2 });
      await client.useradd({ address: 'sys' });
      const errors: MesiboError[] = [];
      errors.push(await failure(client.groupeditmembers({ gid: 999, addresses: ['sys'] })));
      for (const kind of ['status', 'malformed', 'reset', 'hang'] as const) {
        await h.control.addFault({ kind, status: 503, ops: ['usersget'] });
        errors.push(await failure(client.usersget()));
        await h.control.clearFaults();
      }
      errors.push(await failure(client.message({ from: 'sys', gid: 999 })));
      const refused = await freePortThatRefuses();
      errors.push(await failure(h.client({ baseUrl: `http://127.0.0.1:${refused}/` }).groupdel({ gid: 1 })));
      expect(errors.map((e) => e.error)).toEqual([
        'BADVALUE',
        'HTTP_503',
        'BADRESPONSE',
        'NETWORK',
        'TIMEOUT',
        'BADVALUE',
        'NETWORK',
      ]);
      for (const error of errors) expectSecretAbsent([secret], ...errorTexts(error));
      expect(h.logs.length).toBeGreaterThan(0);
      expectSecretAbsent([secret], JSON.stringify(h.logs));
    });
  });
});
