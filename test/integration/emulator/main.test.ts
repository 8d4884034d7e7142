/**
 * `npm run emulator` as a user runs it: a child process on a free port, answering both API styles,
 * closing cleanly on SIGTERM, and refusing a port that is already taken.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];

const runEmulator = (env: Record<string, string>): Run => {
  const { MESIBO_APP_TOKEN: _unused, ...inherited } = process.env;
  // Its own process group, so the npm → tsx → node chain is signalled together.
  const child = spawn('npm', ['run', '--silent', 'emulator'], {
    cwd: process.cwd(),
    env: { ...inherited, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
};

const waitFor = async (condition: () => boolean, what: string, ms = 45_000) => {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

const signalGroup = (child: ChildProcess, signal: NodeJS.Signals) => {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
};

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) signalGroup(child, 'SIGKILL');
});

describe('npm run emulator', () => {
  it('serves both API styles on MESIBO_EMULATOR_PORT with a generated app token, and stops on SIGTERM', async () => {
    const port = await freePort();
    const run = runEmulator({ MESIBO_EMULATOR_PORT: String(port) });
    await waitFor(() => run.stdout().includes('\n') || run.child.exitCode !== null, 'the ready line');
    const line = run.stdout().trim();
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toContain(`http://127.0.0.1:${port}/backend/`);
    expect(line).toContain(`http://127.0.0.1:${port}/api.php`);
    const token = /app token ([a-z0-9]+)/.exec(line)?.[1];
    expect(token?.length).toBeGreaterThanOrEqual(40);

    const json = await fetch(`http://127.0.0.1:${port}/backend/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        op: 'useradd',
        token,
        id: 1,
        user: { address: 'alice', token: { appid: 'web' } },
      }),
    });
    const added = (await json.json()) as { result: boolean; user: { uid: number } };
    expect(added).toMatchObject({ op: 'useradd', result: true, id: 1 });
    const legacy = await fetch(
      `http://127.0.0.1:${port}/api.php?op=userdel&token=${token}&uid=${added.user.uid}`,
    );
    expect(await legacy.json()).toEqual({ op: 'userdel', result: true });

    signalGroup(run.child, 'SIGTERM');
    await run.exited;
    await expect(fetch(`http://127.0.0.1:${port}/_emulator/state`)).rejects.toThrow();
  });

  it('uses MESIBO_APP_TOKEN when set, without printing it', async () => {
    const port = await freePort();
    const appToken = 'given-app-token-0123456789-0123456789-abcdef';
    const run = runEmulator({ MESIBO_EMULATOR_PORT: String(port), MESIBO_APP_TOKEN: appToken });
    await waitFor(() => run.stdout().includes('\n') || run.child.exitCode !== null, 'the ready line');
    expect(run.stdout()).not.toContain(appToken);
    const res = await fetch(`http://127.0.0.1:${port}/api.php?op=useradd&token=${appToken}&addr=bob`);
    expect(await res.json()).toMatchObject({ op: 'useradd', result: true });
    signalGroup(run.child, 'SIGINT');
    await run.exited;
  });

  it('names the port and MESIBO_EMULATOR_PORT in one line when the port is taken, and exits 1', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const run = runEmulator({ MESIBO_EMULATOR_PORT: String(port) });
      expect(await run.exited).toBe(1);
      const lines = run
        .stderr()
        .split('\n')
        .filter((l) => l.includes('mesibo emulator'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(String(port));
      expect(lines[0]).toContain('MESIBO_EMULATOR_PORT');
      expect(run.stdout()).toBe('');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
