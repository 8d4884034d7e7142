/**
 * The call loop against undici's MockAgent (no sockets): cases the emulator cannot produce, such as
 * an upstream text that echoes the app token, a wrong echoed id, or a long Retry-After.
 */
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMesiboClient, MesiboError } from '../../../shared/mesibo/index';

const ORIGIN = 'http://mesibo.test';
const TOKEN = 'app+token/with spaces&symbols=0123456789';

describe('mesibo call loop', () => {
  let agent: MockAgent;
  const warnings: { message: string; attrs?: object }[] = [];
  const sleeps: number[] = [];

  const client = (style: 'json' | 'legacy' = 'json') =>
    createMesiboClient({
      baseUrl: `${ORIGIN}/backend/`,
      style,
      appToken: async () => TOKEN,
      dispatcher: agent,
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

  const intercept = () => agent.get(ORIGIN).intercept({ path: '/backend/', method: 'POST' });

  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
    warnings.length = 0;
    sleeps.length = 0;
  });
  afterEach(async () => {
    await agent.close();
  });

  it('warns, but succeeds, when the echoed id differs', async () => {
    intercept().reply(200, { op: 'groupadd', result: true, id: 999, group: { gid: 5 } });
    expect(await client().groupadd({}, { id: 7 })).toEqual({ gid: 5 });
    expect(warnings).toEqual([
      { message: 'mesibo echoed a different request id', attrs: { op: 'groupadd', id: 7, echoedId: 999 } },
    ]);
  });

  it('scrubs every spelling of the app token from copied upstream text', async () => {
    const echoes = [TOKEN, encodeURIComponent(TOKEN), new URLSearchParams({ t: TOKEN }).toString().slice(2)];
    intercept().reply(200, {
      result: false,
      error: 'BADVALUE',
      cause: `token ${echoes.join(' | ')} rejected`,
      action: `do not send ${TOKEN}`,
      properties: [TOKEN],
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
    intercept().reply(429, 'slow down', { headers: { 'retry-after': '120' } });
    intercept().reply(200, { result: true, users: [] });
    await client().usersget();
    expect(sleeps).toEqual([2000]);
  });

  it('keeps the envelope details of a 5xx answer', async () => {
    intercept()
      .reply(503, { result: false, error: 'MAINTENANCE', cause: 'down for upgrade', action: 'retry later' })
      .times(3);
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
    intercept().reply(200, { op: 'useradd', result: true }).times(3);
    const error = await client()
      .useradd({ address: 'a' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'protocol', error: 'BADRESPONSE', attempts: 3 });
    expect((error as MesiboError).cause).toMatch(/^unexpected useradd response: user/);
  });

  it('retries a message whose connection was refused (never sent)', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    intercept().replyWithError(refused);
    intercept().reply(200, { op: 'message', result: true, mid: 3 });
    expect(await client().message({ from: 's', to: 'u' })).toEqual({ mid: 3 });
    expect(sleeps).toEqual([50]);
  });

  it('does not retry a message after a reset (it may have been applied)', async () => {
    const reset = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    intercept().replyWithError(reset);
    const error = await client()
      .message({ from: 's', gid: 1 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'network', error: 'NETWORK', attempts: 1, retryable: false });
  });

  it('stops waiting for the next attempt when the caller aborts', async () => {
    intercept().reply(503, 'busy');
    const controller = new AbortController();
    const waiting = createMesiboClient({
      baseUrl: `${ORIGIN}/backend/`,
      style: 'json',
      appToken: async () => TOKEN,
      dispatcher: agent,
      random: () => 0.5,
      // A wait that never ends on its own: only the abort can finish the call.
      sleep: () => {
        setTimeout(() => controller.abort(), 10);
        return new Promise<void>(() => {});
      },
    });
    const error = await waiting.usersget({}, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'timeout', error: 'ABORTED', attempts: 1, retryable: false });
  });
});
