/**
 * The console's redrive on the whole local stack: a fan-out batch dead-lettered because mesibo kept
 * refusing shows its reason; once the fault clears, the redrive puts the batch (not its wrapper
 * record) back and each recipient gets the message exactly once. A scheduled notification that could
 * not be sent when it fired goes back to send-system-message once its cause is fixed, and is sent once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCredentials } from '../../../local/auth/dev-credentials';
import { signedHeaders } from '../../../local/dev/client';
import { type EmulatorControl, emulatorControl } from '../../../local/mesibo-emulator/control';
import { readSecrets } from '../../../local/secrets';
import { type LocalStack, startLocalStack } from '../../../local/stack';
import { signPayload } from '../../../shared/webhook/signature';
import { eventually, freePort } from '../../e2e/support/local-stack';

let stack: LocalStack;
let stateDir: string;
let emulator: EmulatorControl;
const saved = { ...process.env };

interface ShownDlq {
  name: string;
  letters: { messageId: string; reason: string }[];
}

const iam = async (method: string, path: string, body: unknown) => {
  const url = `${stack.url}${path}`;
  const text = JSON.stringify(body);
  const headers = await signedHeaders(await readCredentials(stateDir), {
    method,
    url,
    body: text,
    headers: { 'content-type': 'application/json' },
  });
  return fetch(url, { method, headers, body: text });
};
const webhook = async (body: unknown) => {
  const text = JSON.stringify(body);
  const key = (await readSecrets(stateDir)).webhook.current;
  const res = await fetch(`${stack.url}/v1/webhooks/groups`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-mesibo-signature': signPayload(key, text, Math.floor(Date.now() / 1000)),
    },
    body: text,
  });
  expect(res.status).toBe(202);
};
const deadLetters = async (name: string) => {
  const dlqs = (await (await fetch(`${stack.url}/_local/dead-letters`)).json()) as ShownDlq[];
  return dlqs.find((q) => q.name === name)?.letters ?? [];
};
const redrive = async (name: string) =>
  (await (await fetch(`${stack.url}/_local/queues/${name}/redrive`, { method: 'POST' })).json()) as {
    moved: number;
    left: unknown[];
  };

beforeAll(async () => {
  // Two attempts, a second apart: the batch dead-letters while the test waits, not minutes later.
  process.env.FANOUT_MAX_ATTEMPTS = '2';
  process.env.FANOUT_RETRY_BASE_SECONDS = '1';
  stateDir = await mkdtemp(join(tmpdir(), 'redrive-'));
  stack = await startLocalStack({ port: await freePort(), emulatorPort: await freePort(), stateDir });
  emulator = emulatorControl(stack.emulatorUrl ?? '');
});

afterAll(async () => {
  await stack?.close();
  await rm(stateDir, { recursive: true, force: true });
  process.env = saved;
});

describe('console redrive', () => {
  it('sends a dead-lettered fan-out batch to its recipients exactly once after the fault clears', async () => {
    // 429: mesibo certainly did not send, so the worker retries and then dead-letters the batch.
    await emulator.addFault({ kind: 'status', status: 429, ops: ['message'] });
    const res = await iam('POST', '/v1/system-messages', {
      notificationId: 'redrive-1',
      audience: { addresses: ['rita', 'ravi'] },
      message: { text: 'back from the dead' },
    });
    expect(res.status).toBe(202);
    const letters = await eventually(async () => {
      const l = await deadLetters('fanout-dlq');
      return l.length ? l : undefined;
    });
    expect(letters).toHaveLength(1);
    expect(letters[0]?.reason).toMatch(/^attempts-exhausted: mesibo message failed \(not-sent\)/);
    expect((await emulator.state()).messages.filter((m) => m.message === 'back from the dead')).toEqual([]);

    await emulator.clearFaults();
    expect(await redrive('fanout-dlq')).toEqual({ moved: 1, left: [] });
    const sent = await eventually(async () => {
      const m = (await emulator.state()).messages.filter((x) => x.message === 'back from the dead');
      return m.length ? m : undefined;
    });
    expect(sent.flatMap((m) => m.to).sort()).toEqual(['ravi', 'rita']);
    expect(await deadLetters('fanout-dlq')).toEqual([]);

    // A second redrive finds nothing to move; the recipients still have it once.
    expect(await redrive('fanout')).toEqual({ moved: 0, left: [] });
    const after = (await emulator.state()).messages.filter((m) => m.message === 'back from the dead');
    expect(after.flatMap((m) => m.to).sort()).toEqual(['ravi', 'rita']);
  });

  it('sends a scheduled notification that was not sendable when it fired, once its group is back', async () => {
    const group = (version: number) => ({
      type: 'group.upsert',
      group: { key: 'late-team', name: 'Late team', members: [{ address: 'lena' }], version },
    });
    await webhook({ id: 'late-1', ...group(1) });
    await eventually(async () => (await emulator.state()).groups.find((g) => g.name === 'Late team'));
    const res = await iam('POST', '/v1/system-messages', {
      notificationId: 'redrive-2',
      sendAt: new Date(Date.now() + 3_000).toISOString(),
      audience: { group: { key: 'late-team' } },
      message: { text: 'see you later' },
    });
    expect(res.status).toBe(202);
    // The group is gone when the schedule fires: the occurrence is dead-lettered with its reason.
    await webhook({ id: 'late-2', type: 'group.delete', group: { key: 'late-team', version: 2 } });
    const letters = await eventually(async () => {
      const l = await deadLetters('scheduler-dlq');
      return l.length ? l : undefined;
    }, 20_000);
    expect(letters[0]?.reason).toMatch(/schedule-not-sendable/);

    await webhook({ id: 'late-3', ...group(3) });
    const gid = await eventually(async () => {
      const g = (await emulator.state()).groups.find((x) => x.name === 'Late team' && x.members.length);
      return g?.gid;
    });
    expect(await redrive('scheduler-dlq')).toMatchObject({ moved: 1, left: [] });
    const sent = await eventually(async () => {
      const m = (await emulator.state()).messages.filter((x) => x.message === 'see you later');
      return m.length ? m : undefined;
    });
    expect(sent.map((m) => m.gid)).toEqual([gid]);
    // Redriven again (a second click): nothing left to move, and nothing sent twice.
    expect(await redrive('scheduler-dlq')).toEqual({ moved: 0, left: [] });
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await emulator.state()).messages.filter((x) => x.message === 'see you later')).toHaveLength(1);
  });
});
