/**
 * The client's connections: keep-alive reuse, close(), a pooled socket the server has already closed,
 * and the connect timeout, against loopback servers.
 */
import { createServer, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STALE_AFTER_IDLE_MS } from '../../../shared/mesibo/http';
import {
  createMesiboClient,
  type MesiboCallOutcome,
  type MesiboClientOptions,
  type MesiboHttpClient,
} from '../../../shared/mesibo/index';
import { type ScriptedMesibo, startScriptedMesibo } from './scripted-mesibo';

const users = { body: { result: true, users: [] } };
const sent = { body: { op: 'message', result: true, mid: 3 } };

describe('mesibo client connections', () => {
  let mesibo: ScriptedMesibo;
  let connections: number;
  const clients: MesiboHttpClient[] = [];
  const calls: MesiboCallOutcome[] = [];

  const client = (options: Partial<MesiboClientOptions> = {}) => {
    const created = createMesiboClient({
      baseUrl: mesibo.baseUrl,
      style: 'json',
      appToken: async () => 'app-token-0123456789abcdef',
      random: () => 0.5,
      sleep: async () => {},
      onCall: (call) => calls.push(call),
      ...options,
    });
    clients.push(created);
    return created;
  };

  const open = () =>
    new Promise<number>((resolve, reject) =>
      mesibo.server.getConnections((err, count) => (err ? reject(err) : resolve(count))),
    );

  beforeEach(async () => {
    mesibo = await startScriptedMesibo();
    connections = 0;
    mesibo.server.on('connection', () => connections++);
    calls.length = 0;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await mesibo.close();
  });

  it('keeps one connection alive across calls, and close() ends it', async () => {
    mesibo.always(users);
    const c = client();
    for (let i = 0; i < 3; i++) await c.usersget();
    expect(connections).toBe(1);
    expect(await open()).toBe(1);
    await c.close();
    await delay(20);
    expect(await open()).toBe(0);
  });

  it('sends a message on a fresh connection when the pooled one sat idle long enough to be closing', async () => {
    const c = client();
    mesibo.reply(users, sent);
    await c.usersget();
    await delay(STALE_AFTER_IDLE_MS + 100);
    // The server's idle close could cross a request written now; the message avoids that socket.
    expect(await c.message({ from: 's', to: 'u' })).toEqual({ mid: 3 });
    expect(calls.at(-1)).toMatchObject({ op: 'message', ok: true, attempts: 1 });
    expect(connections).toBe(2);
    expect(await open()).toBe(1);
  });

  it('reuses a socket idle that long for an operation that is safe to repeat', async () => {
    const c = client();
    mesibo.reply(users, users);
    await c.usersget();
    await delay(STALE_AFTER_IDLE_MS + 100);
    await c.usersget();
    expect(connections).toBe(1);
  });

  it('does not retry a message reset on a socket reused within a second (the server may have it)', async () => {
    const c = client();
    mesibo.reply(users);
    await c.usersget();
    await delay(10);
    mesibo.server.closeIdleConnections();
    const error = await c.message({ from: 's', to: 'u' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'network', error: 'NETWORK', attempts: 1, retryable: false });
  });

  describe('connect timeout', () => {
    const held: Socket[] = [];
    const silent = createServer((socket) => held.push(socket));
    let port: number;

    beforeEach(async () => {
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      port = (silent.address() as { port: number }).port;
    });
    afterEach(async () => {
      for (const socket of held.splice(0)) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });

    it('covers the TLS handshake, and a message that never got through is retried', async () => {
      const c = client({
        baseUrl: `https://127.0.0.1:${port}/backend/`,
        connectTimeoutMs: 100,
        timeoutMs: 5000,
        maxAttempts: 2,
      });
      const started = performance.now();
      const error = await c.message({ from: 's', to: 'u' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: 'timeout', error: 'TIMEOUT', attempts: 2, retryable: true });
      expect(String((error as Error).message)).toContain('connect timed out after 100 ms');
      expect(performance.now() - started).toBeLessThan(2000);
      expect(held).toHaveLength(2);
    });
  });
});
