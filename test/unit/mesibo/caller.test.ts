/**
 * The call loop against a scripted loopback server: cases the emulator cannot produce, such as an
 * upstream text that echoes the app token, a wrong echoed id, or a long Retry-After.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMesiboClient, MesiboError, type MesiboHttpClient } from '../../../shared/mesibo/index';
import { type ScriptedMesibo, startScriptedMesibo } from './scripted-mesibo';

const TOKEN = 'app+token/with spaces&symbols=0123456789';

describe('mesibo call loop', () => {
  let mesibo: ScriptedMesibo;
  const clients: MesiboHttpClient[] = [];
  const warnings: { message: string; attrs?: object }[] = [];
  const sleeps: number[] = [];

  const client = (style: 'json' | 'legacy' = 'json') => {
    const created = createMesiboClient({
      baseUrl: mesibo.baseUrl,
      style,
      appToken: async () => TOKEN,
      random: () => 0.5,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      logger: {
        debug: () => {},
        info: () => {},
        warn: (message, attrs) => warnings.push({ message, attrs }),
      },
    });
    clients.push(created);
    return created;
  };

  beforeEach(async () => {
    mesibo = await startScriptedMesibo();
    warnings.length = 0;
    sleeps.length = 0;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await mesibo.close();
  });

  it('warns, but succeeds, when the echoed id differs', async () => {
    mesibo.reply({ body: { op: 'groupadd', result: true, id: 999, group: { gid: 5 } } });
    expect(await client().groupadd({}, { id: 7 })).toEqual({ gid: 5 });
    expect(warnings).toEqual([
      { message: 'mesibo echoed a different request id', attrs: { op: 'groupadd', id: 7, echoedId: 999 } },
    ]);
  });

  it('scrubs every spelling of the app token from copied upstream text', async () => {
    const echoes = [TOKEN, encodeURIComponent(TOKEN), new URLSearchParams({ t: TOKEN }).toString().slice(2)];
    mesibo.reply({
      body: {
        result: false,
        error: 'BADVALUE',
        cause: `token ${echoes.join(' | ')} rejected`,
        action: `do not send ${TOKEN}`,
        properties: [TOKEN],
      },
    });
    const error = await client('legacy')
      .userdel({ uid: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MesiboError);
    const texts = [(error as Error).message, (error as Error).stack ?? '', JSON.stringify(error)];
    for (const text of texts) for (const echo of echoes) expect(text).not.toContain(echo);
    expect((error as MesiboError).cause).toBe('token [REDACTED] | [REDACTED] | [REDACTED] rejected');
  });

  it('honours Retry-After only up to maxDelayMs', async () => {
    mesibo.reply(
      { status: 429, body: 'slow down', headers: { 'retry-after': '120' } },
      { body: { result: true, users: [] } },
    );
    await client().usersget();
    expect(sleeps).toEqual([2000]);
  });

  it('keeps the envelope details of a 5xx answer', async () => {
    mesibo.always({
      status: 503,
      body: { result: false, error: 'MAINTENANCE', cause: 'down for upgrade', action: 'retry later' },
    });
    const error = await client()
      .userdel({ address: 'a' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      kind: 'http',
      error: 'HTTP_503',
      cause: 'down for upgrade',
      action: 'retry later',
      attempts: 3,
    });
  });

  it('treats a success without the op’s payload as BADRESPONSE (and retries it)', async () => {
    mesibo.always({ body: { op: 'useradd', result: true } });
    const error = await client()
      .useradd({ address: 'a' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'protocol', error: 'BADRESPONSE', attempts: 3 });
    expect((error as MesiboError).cause).toMatch(/^unexpected useradd response: user/);
  });

  it('retries a message whose connection was refused (never sent)', async () => {
    mesibo.refuse();
    const retrying = createMesiboClient({
      baseUrl: mesibo.baseUrl,
      style: 'json',
      appToken: async () => TOKEN,
      random: () => 0.5,
      // mesibo is back by the time of the retry.
      sleep: async (ms) => {
        sleeps.push(ms);
        await mesibo.listen();
      },
    });
    clients.push(retrying);
    mesibo.reply({ body: { op: 'message', result: true, mid: 3 } });
    expect(await retrying.message({ from: 's', to: 'u' })).toEqual({ mid: 3 });
    expect(sleeps).toEqual([50]);
    expect(mesibo.requests).toHaveLength(1);
  });

  it('does not retry a message after a reset (it may have been applied)', async () => {
    mesibo.reply('drop');
    const error = await client()
      .message({ from: 's', gid: 1 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'network', error: 'NETWORK', attempts: 1, retryable: false });
    expect(mesibo.requests).toHaveLength(1);
  });

  it('reads a body over 5 MiB as BADRESPONSE', async () => {
    mesibo.always({ body: `{"result":true,"users":[],"pad":"${'x'.repeat(5 * 1024 * 1024)}"}` });
    const error = await client()
      .usersget()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'protocol', error: 'BADRESPONSE', httpStatus: 200, attempts: 3 });
    expect((error as MesiboError).cause).toMatch(/over 5242880 bytes/);
  });

  it('stops waiting for the next attempt when the caller aborts', async () => {
    mesibo.reply({ status: 503, body: 'busy' });
    const controller = new AbortController();
    const waiting = createMesiboClient({
      baseUrl: mesibo.baseUrl,
      style: 'json',
      appToken: async () => TOKEN,
      random: () => 0.5,
      // A wait that never ends on its own: only the abort can finish the call.
      sleep: () => {
        setTimeout(() => controller.abort(), 10);
        return new Promise<void>(() => {});
      },
    });
    clients.push(waiting);
    const error = await waiting.usersget({}, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'timeout', error: 'ABORTED', attempts: 1, retryable: false });
  });
});
