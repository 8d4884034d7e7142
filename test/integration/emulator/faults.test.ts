import { describe, expect, it } from 'vitest';
import { startMesiboEmulator } from '../../../local/mesibo-emulator/server';
import { APP_TOKEN, eventually, harnessFor, useEmulator } from './helpers';

const h = useEmulator();

const useraddRequest = (address: string) =>
  fetch(h.emulator.backendUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ op: 'useradd', token: APP_TOKEN, user: { address } }),
  });

const addresses = async () => (await h.control.state()).users.map((u) => u.address);

describe('fault injection', () => {
  it('latency delays a normal answer by at least ms', async () => {
    await h.control.addFault({ kind: 'latency', ms: 150 });
    const started = performance.now();
    const res = await useraddRequest('slow');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(await res.json()).toMatchObject({ result: true });
    const [entry] = await h.control.requests();
    expect(entry).toMatchObject({ status: 200, result: true, fault: 'latency' });
    expect(entry!.durationMs).toBeGreaterThanOrEqual(140);
  });

  it('status answers the HTTP status with a non-envelope body and does not apply the op', async () => {
    await h.control.addFault({ kind: 'status', status: 503 });
    const res = await useraddRequest('refused');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.text()).not.toMatch(/"result"/);
    expect(await addresses()).toEqual([]);
    expect((await h.control.requests())[0]).toMatchObject({ status: 503, result: false, fault: 'status' });
  });

  it('status defaults to 500', async () => {
    await h.control.addFault({ kind: 'status' });
    expect((await useraddRequest('x')).status).toBe(500);
  });

  it('status-after-apply applies the op, then answers the error status', async () => {
    await h.control.addFault({ kind: 'status-after-apply', status: 502 });
    const res = await useraddRequest('applied-anyway');
    expect(res.status).toBe(502);
    await res.text();
    expect(await addresses()).toEqual(['applied-anyway']);
    expect((await h.control.requests())[0]).toMatchObject({
      status: 502,
      result: false,
      fault: 'status-after-apply',
    });
  });

  it('malformed answers 200 with a body that is not JSON, and does not apply the op', async () => {
    await h.control.addFault({ kind: 'malformed' });
    const res = await useraddRequest('garbled');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(() => JSON.parse(text)).toThrow();
    expect(await addresses()).toEqual([]);
  });

  it('api-error answers a mesibo failure envelope for matching requests only, without applying', async () => {
    await h.control.addFault({
      kind: 'api-error',
      error: 'BADVALUE',
      properties: ['user.address'],
      match: 'refused-one',
    });
    const res = await useraddRequest('refused-one');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      op: 'useradd',
      result: false,
      error: 'BADVALUE',
      code: 400,
      cause: 'emulated failure',
      action: 'none: injected by a fault rule',
      properties: ['user.address'],
    });
    expect(await (await useraddRequest('accepted-one')).json()).toMatchObject({ result: true });
    expect(await addresses()).toEqual(['accepted-one']);
    expect((await h.control.requests())[0]).toMatchObject({
      result: false,
      error: 'BADVALUE',
      fault: 'api-error',
    });
  });

  it('reset drops the connection without an answer and does not apply the op', async () => {
    await h.control.addFault({ kind: 'reset' });
    await expect(useraddRequest('dropped')).rejects.toThrow();
    expect(await addresses()).toEqual([]);
    expect((await h.control.requests())[0]).toMatchObject({ status: 0, result: false, fault: 'reset' });
  });

  it('hang never answers; the client gives up and the request is logged with status 0, not applied', async () => {
    await h.control.addFault({ kind: 'hang' });
    const aborted = fetch(h.emulator.backendUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ op: 'useradd', token: APP_TOKEN, user: { address: 'hung' } }),
      signal: AbortSignal.timeout(200),
    });
    await expect(aborted).rejects.toThrow();
    const entry = await eventually(async () => (await h.control.requests())[0]);
    expect(entry).toMatchObject({ op: 'useradd', status: 0, result: false, fault: 'hang' });
    expect(await addresses()).toEqual([]);
  });

  it('close() ends hung requests and keep-alive sockets instead of waiting for them', async () => {
    const own = harnessFor(await startMesiboEmulator({ appToken: APP_TOKEN }));
    await own.control.addFault({ kind: 'hang', ops: ['useradd'] });
    const hung = fetch(own.emulator.backendUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ op: 'useradd', token: APP_TOKEN, user: { address: 'h' } }),
    });
    const settled = hung.then(
      () => 'answered',
      () => 'failed',
    );
    await eventually(async () => {
      const res = await fetch(`${own.emulator.url}/_emulator/faults`);
      const [rule] = (await res.json()) as { applied: number }[];
      return rule!.applied === 1 ? true : undefined;
    });
    await own.emulator.close();
    expect(await settled).toBe('failed');
  });

  it('close() ends a pending latency delay without applying the op', async () => {
    const own = harnessFor(await startMesiboEmulator({ appToken: APP_TOKEN }));
    await own.control.addFault({ kind: 'latency', ms: 60_000 });
    const pending = own.json('useradd', { user: { address: 'late' } }).catch(() => 'failed');
    await eventually(async () => {
      const res = await fetch(`${own.emulator.url}/_emulator/faults`);
      return ((await res.json()) as { applied: number }[])[0]!.applied === 1 ? true : undefined;
    });
    await own.emulator.close();
    expect(await pending).toBe('failed');
  });
});

describe('fault matching', () => {
  it('ops limits a rule to those ops (a canonical name also matches its alias)', async () => {
    await h.control.addFault({ kind: 'status', status: 500, ops: ['groupgetmembers'] });
    expect((await useraddRequest('unaffected')).status).toBe(200);
    const res = await fetch(`${h.emulator.legacyUrl}?op=getmembers&token=${APP_TOKEN}&gid=1`);
    expect(res.status).toBe(500);
  });

  it('skip lets matching requests pass first; count limits how many are affected', async () => {
    await h.control.addFault({ kind: 'status', status: 503, skip: 1, count: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await useraddRequest(`u${i}`);
      statuses.push(res.status);
      await res.text();
    }
    expect(statuses).toEqual([200, 503, 503, 200, 200]);
    expect(await addresses()).toEqual(['u0', 'u3', 'u4']);
  });

  it('rate 0 never applies; rate 1 always does', async () => {
    await h.control.addFault({ kind: 'status', status: 500, rate: 0 });
    expect((await useraddRequest('a')).status).toBe(200);
    await h.control.clearFaults();
    await h.control.addFault({ kind: 'status', status: 500, rate: 1 });
    expect((await useraddRequest('b')).status).toBe(500);
  });

  it('the first matching rule wins; clear removes all rules', async () => {
    await h.control.addFault({ kind: 'status', status: 429, ops: ['useradd'] });
    await h.control.addFault({ kind: 'status', status: 500 });
    expect((await useraddRequest('a')).status).toBe(429);
    expect((await fetch(`${h.emulator.legacyUrl}?op=usersget&token=${APP_TOKEN}`)).status).toBe(500);
    await h.control.clearFaults();
    expect((await useraddRequest('b')).status).toBe(200);
  });

  it('reset forgets fault rules', async () => {
    await h.control.addFault({ kind: 'status', status: 500 });
    await h.control.reset();
    expect((await useraddRequest('c')).status).toBe(200);
  });

  it('rejects an invalid fault spec with 400', async () => {
    await expect(h.control.addFault({ kind: 'latency' })).rejects.toThrow(/HTTP 400/);
    await expect(h.control.addFault({ kind: 'explode' as 'hang' })).rejects.toThrow(/HTTP 400/);
    await expect(h.control.addFault({ kind: 'status', rate: 2 })).rejects.toThrow(/HTTP 400/);
  });
});
