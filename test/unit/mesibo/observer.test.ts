/**
 * The `onCall` observer: told once per call, after the retries, with codes and counts only; a throwing
 * observer changes nothing about the call. A scripted loopback server stands in for mesibo.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createMesiboClient,
  type MesiboCallOutcome,
  type MesiboClientOptions,
  MesiboError,
  type MesiboHttpClient,
} from '../../../shared/mesibo/index';
import { type ScriptedMesibo, startScriptedMesibo } from './scripted-mesibo';

const TOKEN = 'app-token-0123456789abcdef';

describe('mesibo onCall observer', () => {
  let mesibo: ScriptedMesibo;
  let clock: number;
  const clients: MesiboHttpClient[] = [];
  const calls: MesiboCallOutcome[] = [];
  const warnings: { message: string; attrs?: object }[] = [];

  const client = (options: Partial<MesiboClientOptions> = {}) => {
    const created = createMesiboClient({
      baseUrl: mesibo.baseUrl,
      style: 'json',
      appToken: async () => TOKEN,
      random: () => 0.5,
      // Virtual time: only the backoff waits move the clock, so durations are exact.
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
      onCall: (call) => calls.push(call),
      logger: {
        debug: () => {},
        info: () => {},
        warn: (message, attrs) => warnings.push({ message, attrs }),
      },
      ...options,
    });
    clients.push(created);
    return created;
  };

  beforeEach(async () => {
    mesibo = await startScriptedMesibo();
    clock = 1000;
    calls.length = 0;
    warnings.length = 0;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await mesibo.close();
  });

  it('reports a success once, with its attempts and duration', async () => {
    mesibo.reply({ body: { op: 'groupadd', result: true, group: { gid: 5 } } });
    expect(await client().groupadd({})).toEqual({ gid: 5 });
    expect(calls).toEqual([{ op: 'groupadd', ok: true, attempts: 1, durationMs: 0 }]);
  });

  it('reports a success after retries once, when it is over', async () => {
    mesibo.reply({ status: 503, body: 'busy' }, { body: { result: true, users: [] } });
    await client().usersget();
    expect(calls).toEqual([{ op: 'usersget', ok: true, attempts: 2, durationMs: 50 }]);
  });

  it('reports an API failure with mesibo’s code and kind', async () => {
    mesibo.reply({ body: { result: false, error: 'BADVALUE', cause: `user of ${TOKEN} unknown` } });
    await expect(client().userdel({ address: 'a' })).rejects.toBeInstanceOf(MesiboError);
    expect(calls).toEqual([
      { op: 'userdel', ok: false, error: 'BADVALUE', kind: 'api', attempts: 1, durationMs: 0 },
    ]);
  });

  it('reports a transport failure once, after the last retry', async () => {
    mesibo.refuse();
    const error = await client()
      .groupset({ gid: 1, name: 'n' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'network', error: 'NETWORK', attempts: 3 });
    expect(calls).toEqual([
      { op: 'groupset', ok: false, error: 'NETWORK', kind: 'network', attempts: 3, durationMs: 150 },
    ]);
  });

  it('never passes on upstream text that echoes the app token', async () => {
    mesibo.reply({ body: { result: false, error: `BAD${TOKEN}`, cause: TOKEN } });
    await expect(client().userdel({ uid: 1 })).rejects.toBeInstanceOf(MesiboError);
    expect(calls).toHaveLength(1);
    expect(JSON.stringify(calls)).not.toContain(TOKEN);
  });

  it('reports a failure outside the protocol as UNKNOWN with no attempts', async () => {
    const failing = client({
      appToken: async () => {
        throw new Error('secrets manager unreachable');
      },
    });
    await expect(failing.usersget()).rejects.toThrow('secrets manager unreachable');
    expect(calls).toEqual([{ op: 'usersget', ok: false, error: 'UNKNOWN', attempts: 0, durationMs: 0 }]);
  });

  it('ignores an observer that throws, on success and on failure alike', async () => {
    const throwing = client({
      onCall: () => {
        throw new Error('metrics are broken');
      },
    });
    mesibo.reply({ body: { op: 'message', result: true, mid: 3 } });
    expect(await throwing.message({ from: 's', to: 'u' })).toEqual({ mid: 3 });

    mesibo.reply({ body: { result: false, error: 'BADVALUE' } });
    await expect(throwing.userdel({ address: 'a' })).rejects.toMatchObject({ error: 'BADVALUE' });

    expect(warnings).toEqual([
      {
        message: 'mesibo onCall observer threw; ignored',
        attrs: { op: 'message', error: 'metrics are broken' },
      },
      {
        message: 'mesibo onCall observer threw; ignored',
        attrs: { op: 'userdel', error: 'metrics are broken' },
      },
    ]);
  });
});
