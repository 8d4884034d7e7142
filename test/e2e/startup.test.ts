/**
 * `npm start`'s own behaviour around the stack: a taken port is one line naming the variable and
 * exit code 1; SIGTERM to npm alone stops everything; `--persist` keeps DynamoDB data and the emulator's
 * state across a restart (so a cached token survives it, and mesibo still honours it).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../../local/auth/dev-keys';
import { emulatorControl } from '../../local/mesibo-emulator/control';
import { withIam, withJwt } from './support/helpers';
import { eventually, freePort, portIsFree, ROOT, type RunningStack, startStack } from './support/local-stack';

const run = promisify(execFile);

const npmStart = async (env: Record<string, string>) => {
  try {
    const { stdout, stderr } = await run('npm', ['start'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
};

describe('a port already in use', () => {
  let blocker: Server;
  let taken: number;

  beforeAll(async () => {
    taken = await freePort();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(taken, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  it.each([
    ['PORT', 'MESIBO_EMULATOR_PORT'],
    ['MESIBO_EMULATOR_PORT', 'PORT'],
  ])('names %s and exits 1', async (variable, other) => {
    const stateDir = await mkdtemp(join(tmpdir(), 'mesibo-local-'));
    const result = await npmStart({
      [variable]: String(taken),
      [other]: String(await freePort()),
      LOCAL_STATE_DIR: stateDir,
    });
    await rm(stateDir, { recursive: true, force: true });
    expect(result.code).toBe(1);
    const errors = result.stderr.split('\n').filter((l) => l.startsWith('npm start:'));
    expect(errors).toEqual([
      `npm start: port ${taken} is already in use; set ${variable} to use another port`,
    ]);
    expect(result.stdout).not.toMatch(/ready/);
  });
});

describe('CORS_ALLOW_ORIGINS', () => {
  it('names an entry that is not an origin and exits 1', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'mesibo-local-'));
    const result = await npmStart({
      CORS_ALLOW_ORIGINS: 'http://localhost:*, https://app.example.com/',
      PORT: String(await freePort()),
      MESIBO_EMULATOR_PORT: String(await freePort()),
      LOCAL_STATE_DIR: stateDir,
    });
    await rm(stateDir, { recursive: true, force: true });
    expect(result.code).toBe(1);
    const errors = result.stderr.split('\n').filter((l) => l.startsWith('npm start:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^npm start: CORS_ALLOW_ORIGINS: "https:\/\/app\.example\.com\/" must be an origin/,
    );
    expect(result.stdout).not.toMatch(/ready/);
  });
});

describe('SIGTERM to the npm process alone', () => {
  it('stops the whole stack and frees both ports', async () => {
    const stack = await startStack();
    const exit = await stack.stop('npm');
    expect(stack.output()).toMatch(/SIGTERM: shutting down/);
    expect(exit.signal === 'SIGTERM' || exit.code === 0).toBe(true);
    expect(exit.leftover).toBe(false);
    expect(exit.leftover).toBe(false);
    expect(await portIsFree(stack.port)).toBe(true);
    expect(await portIsFree(stack.emulatorPort)).toBe(true);
  });
});

describe('--persist', () => {
  it('keeps DynamoDB data and the emulator state across a restart', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'mesibo-local-'));
    const dataDir = await mkdtemp(join(tmpdir(), 'mesibo-data-'));

    const first = await startStack({ stateDir, args: ['--persist', dataDir] });
    const jwt = await signDevToken(stateDir, { subject: 'alice' });
    const issued = await withJwt(first, jwt, 'POST', '/v1/users/me/token');
    expect(first.output()).toContain(`data in ${dataDir}`);
    await first.stop();

    // The restarted emulator has received nothing, so the token can only come from the persisted
    // cache; and it restored its own state, so mesibo still knows the user and the token.
    const second = await startStack({ stateDir, args: ['--persist', dataDir] });
    try {
      const again = await withJwt(second, jwt, 'POST', '/v1/users/me/token');
      expect(again.json).toEqual(issued.json);
      const control = emulatorControl(second.emulatorUrl);
      expect(await control.requests()).toEqual([]);
      const { users } = await control.state({ tokens: true });
      expect(users.map((u) => u.tokens.map((t) => t.token))).toEqual([
        [(issued.json as { token: string }).token],
      ]);
    } finally {
      await second.stop();
      await Promise.all([stateDir, dataDir].map((d) => rm(d, { recursive: true, force: true })));
    }
  });
  it('a stack killed (SIGKILL) half way through a 2,000-recipient notification finishes it after a restart', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'mesibo-local-'));
    const dataDir = await mkdtemp(join(tmpdir(), 'mesibo-data-'));
    const recipients = 2_000;
    const text = 'the crash test notice';
    const addresses = Array.from({ length: recipients }, (_, i) => `crash-${i}`);
    /** How many times each recipient has received the notice, by mesibo's own record. */
    const received = async (stack: RunningStack) => {
      const counts = new Map<string, number>();
      for (const m of (await emulatorControl(stack.emulatorUrl).state()).messages) {
        if (m.message !== text) continue;
        for (const to of m.to) counts.set(to, (counts.get(to) ?? 0) + 1);
      }
      return counts;
    };

    // A batch whose attempt died with the process is held until its lease ends; a short one keeps
    // the test short (the default is 120 s).
    const env = { FANOUT_SEND_LEASE_SECONDS: '3' };
    const first = await startStack({ stateDir, env, args: ['--persist', dataDir] });
    let second: RunningStack | undefined;
    try {
      // Slow enough that the kill lands while most batches are still queued.
      await emulatorControl(first.emulatorUrl).addFault({ kind: 'latency', ms: 150, ops: ['message'] });
      const body = {
        notificationId: 'crash-2000',
        audience: { addresses },
        message: { text },
        delivery: 'at-least-once',
      };
      expect((await withIam(first, 'POST', '/v1/system-messages', body)).status).toBe(202);
      const beforeKill = await eventually(async () => {
        const n = (await received(first)).size;
        return n >= 200 ? n : undefined;
      }, 60_000);
      await first.crash();
      expect(beforeKill).toBeLessThan(recipients);

      second = await startStack({ stateDir, env, args: ['--persist', dataDir] });
      const restarted = second;
      const counts = await eventually(async () => {
        const c = await received(restarted);
        return c.size === recipients ? c : undefined;
      }, 90_000);
      const twice = [...counts.values()].filter((n) => n > 1).length;
      console.log(
        `SIGKILL with ${beforeKill} of ${recipients} recipients reached; after the restart ${counts.size} of ${recipients}, ${twice} received it twice`,
      );
      expect(addresses.every((a) => counts.has(a))).toBe(true);
      const dead = (await (await fetch(`${restarted.url}/_local/dead-letters`)).json()) as {
        letters: unknown[];
      }[];
      expect(dead.flatMap((q) => q.letters)).toEqual([]);
      // At least once: only batches in flight at the kill may repeat (2 SQS batches of 10 x 50 recipients).
      expect(twice).toBeLessThanOrEqual(2 * 10 * 50);
      expect(Math.max(...counts.values())).toBeLessThanOrEqual(2);
      // The same id again is the same notification: nothing more is sent.
      const repeat = await withIam(second, 'POST', '/v1/system-messages', body);
      expect(repeat.status).toBe(202);
      expect((await received(second)).size).toBe(recipients);
    } finally {
      await second?.stop();
      await Promise.all([stateDir, dataDir].map((d) => rm(d, { recursive: true, force: true })));
    }
  });
});
