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
import { withJwt } from './support/helpers';
import { freePort, portIsFree, ROOT, startStack } from './support/local-stack';

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
});
