import { describe, expect, it } from 'vitest';
import { TOO_DEEP } from '../../../local/mesibo-emulator/request-log';
import { APP_TOKEN, eventually, useEmulator } from './helpers';

const h = useEmulator();

describe('/_emulator/state', () => {
  it('never includes token values unless tokens=1', async () => {
    const res = await h.json('useradd', { user: { address: 'alice', token: { appid: 'web' } } });
    const token = (res.user as { token: string }).token;
    const plain = await fetch(`${h.emulator.url}/_emulator/state`);
    const text = await plain.text();
    expect(text).not.toContain(token);
    expect(text).not.toContain(APP_TOKEN);
    const withTokens = await h.control.state({ tokens: true });
    expect(withTokens.users[0]!.tokens[0]!.token).toBe(token);
    expect(JSON.stringify(withTokens)).not.toContain(APP_TOKEN);
  });
});

describe('/_emulator/requests', () => {
  it('records every request with op, transport, ip, status and result', async () => {
    await h.json('useradd', { user: { address: 'a' } }, { 'x-forwarded-for': '203.0.113.7' });
    await h.legacy('userdel', { addr: 'nobody' });
    const requests = await h.control.requests();
    expect(requests).toEqual([
      {
        seq: 1,
        at: expect.any(Number),
        transport: 'json',
        op: 'useradd',
        ip: '203.0.113.7',
        params: { op: 'useradd', token: '[REDACTED]', user: { address: 'a' } },
        status: 200,
        result: true,
        durationMs: expect.any(Number),
      },
      {
        seq: 2,
        at: expect.any(Number),
        transport: 'legacy',
        op: 'userdel',
        ip: '127.0.0.1',
        params: { op: 'userdel', token: '[REDACTED]', addr: 'nobody' },
        status: 200,
        result: false,
        error: 'BADVALUE',
        durationMs: expect.any(Number),
      },
    ]);
  });

  it('filters by op', async () => {
    await h.json('useradd', { user: { address: 'a' } });
    await h.json('usersget', {});
    await h.legacy('useradd', { addr: 'b' });
    const useradds = await h.control.requests({ op: 'useradd' });
    expect(useradds.map((r) => r.transport)).toEqual(['json', 'legacy']);
  });

  it('redacts the app token wherever it appears, and any token sent as the app token', async () => {
    await h.json('useradd', { user: { address: 'leaky', name: `copy of ${APP_TOKEN} here` } });
    await h.legacyForm({ op: 'useradd', addr: 'legacy-leak', name: APP_TOKEN }, { token: APP_TOKEN });
    await h.json('usersget', { token: 'an-old-rotated-app-token' });
    await fetch(`${h.emulator.legacyUrl}?op=userdel&token=${APP_TOKEN}&uid=456`);
    const requests = await h.control.requests();
    const text = JSON.stringify(requests);
    expect(text).not.toContain(APP_TOKEN);
    expect(text).not.toContain('an-old-rotated-app-token');
    expect(requests[0]!.params).toEqual({
      op: 'useradd',
      token: '[REDACTED]',
      user: { address: 'leaky', name: 'copy of [REDACTED] here' },
    });
    expect(requests[1]!.params).toMatchObject({ token: '[REDACTED]', name: '[REDACTED]' });
    expect(requests[3]!.params).toEqual({ op: 'userdel', token: '[REDACTED]', uid: '456' });
  });

  it('survives a body nested too deep to copy: logged with the excess cut, the emulator keeps serving', async () => {
    const depth = 100_000;
    const deep = `{"op":"usersget","token":"${APP_TOKEN}","x":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    for (const fault of [false, true]) {
      // With a hang fault the entry is written from the socket's close handler, outside any try.
      if (fault) await h.control.addFault({ kind: 'hang', ops: ['usersget'], count: 1 });
      const res = await fetch(h.emulator.backendUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: deep,
        signal: AbortSignal.timeout(fault ? 300 : 5000),
      }).catch((e: unknown) => e);
      if (!fault) expect((res as Response).status).toBe(200);
    }
    expect((await h.json('usersget')).result).toBe(true);
    const logged = await eventually(async () => {
      const r = await h.control.requests({ op: 'usersget' });
      return r.length === 3 ? r : undefined;
    });
    const text = JSON.stringify(logged[0]!.params);
    expect(text).toContain(TOO_DEEP);
    expect(text).not.toContain(APP_TOKEN);
  });

  it('keeps a user token for a user, but never the app token, in the state with tokens=1', async () => {
    await h.json('useradd', { user: { address: 'u', token: { appid: 'web' } } });
    expect(JSON.stringify(await h.control.state({ tokens: true }))).not.toContain(APP_TOKEN);
  });

  // Kept small so it stays a correctness check (none lost, none merged), not a load test.
  it('records every one of 2,000 concurrent requests, each with its own sequence number', async () => {
    const batch = 200;
    for (let i = 0; i < 2_000; i += batch) {
      await Promise.all(
        Array.from({ length: batch }, (_, j) =>
          fetch(`${h.emulator.legacyUrl}?op=useradd&token=${APP_TOKEN}&addr=bulk${i + j}`).then((r) =>
            r.arrayBuffer(),
          ),
        ),
      );
    }
    const requests = await h.control.requests({ op: 'useradd' });
    expect(requests).toHaveLength(2_000);
    expect(new Set(requests.map((r) => r.seq)).size).toBe(2_000);
    expect((await h.control.state()).users).toHaveLength(2_000);
  });
});

describe('/_emulator/settings and /_emulator/reset', () => {
  it('settings change maxList at run time and reject bad values', async () => {
    await h.control.configure({ maxList: 3 });
    const res = await fetch(`${h.emulator.url}/_emulator/settings`);
    expect(await res.json()).toEqual({ tokenBreach: false, maxList: 3 });
    await expect(h.control.configure({ maxList: 0 })).rejects.toThrow(/HTTP 400/);
  });

  it('reset forgets users, groups, messages and requests; the app token stays and counters restart', async () => {
    const first = await h.json('useradd', { user: { address: 'a' } });
    await h.json('groupadd', {});
    await h.json('message', { message: { from: 'a', to: 'b' } });
    await h.control.reset();
    expect(await h.control.state()).toEqual({
      users: [],
      otps: [],
      groups: [],
      messages: [],
      tokenBreach: { enabled: false, tripped: false, ips: [] },
    });
    expect(await h.control.requests()).toEqual([]);
    const again = await h.json('useradd', { user: { address: 'a' } });
    expect(again.user).toEqual(first.user);
  });

  it('unknown control routes answer 404', async () => {
    expect((await fetch(`${h.emulator.url}/_emulator/nothing`)).status).toBe(404);
    expect((await fetch(`${h.emulator.url}/_emulator/state`, { method: 'DELETE' })).status).toBe(404);
  });
});
