/**
 * `persistPath`: the emulator's state survives a restart and a SIGKILL, counters carry on, a torn last
 * line is dropped, and a reset empties the journal.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startMesiboEmulator } from '../../../local/mesibo-emulator/server';
import { APP_TOKEN, harnessFor } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'mesibo-emulator-persist-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const start = (persistPath: string) => startMesiboEmulator({ appToken: APP_TOKEN, persistPath });

/** A few calls that touch every kind of state: users, tokens, groups, members, messages. */
const populate = async (emulator: RunningEmulator) => {
  const h = harnessFor(emulator);
  await h.json('useradd', { user: { address: 'alice', name: 'Alice', token: { appid: 'web' } } });
  await h.json('useradd', { user: { address: 'bob', token: { appid: 'web', expiry: 0 } } });
  const group = (await h.json('groupadd', { group: { name: 'team' } })).group as { gid: number };
  await h.json('groupeditmembers', { group: { gid: group.gid, members: { m: 'alice,bob' } } });
  await h.json('message', { message: { from: 'alice', gid: group.gid, message: 'hi' } });
  await h.legacy('userset', { addr: 'bob', active: 0 });
  return h;
};

describe('emulator persistence', () => {
  it('restores users, tokens, groups, members and messages after a restart, and counters carry on', async () => {
    const path = join(dir, 'restart.jsonl');
    const first = await start(path);
    const before = await (await populate(first)).control.state({ tokens: true });
    await first.close();

    const second = await start(path);
    try {
      const h = harnessFor(second);
      expect(await h.control.state({ tokens: true })).toEqual(before);
      const user = (await h.json('useradd', { user: { address: 'carol' } })).user as { uid: number };
      expect(user.uid).toBe(Math.max(...before.users.map((u) => u.uid)) + 1);
    } finally {
      await second.close();
    }
  });

  it('drops a line torn by a kill and keeps appending cleanly', async () => {
    const path = join(dir, 'torn.jsonl');
    const first = await start(path);
    const before = await (await populate(first)).control.state({ tokens: true });
    await first.close();
    appendFileSync(path, '{"req":{"op":"useradd","addr');

    const second = await start(path);
    await harnessFor(second).json('useradd', { user: { address: 'dave' } });
    await second.close();
    const third = await start(path);
    try {
      const { users } = await harnessFor(third).control.state({ tokens: true });
      expect(users.map((u) => u.address)).toEqual([...before.users.map((u) => u.address), 'dave']);
    } finally {
      await third.close();
    }
  });

  it('a reset empties the journal', async () => {
    const path = join(dir, 'reset.jsonl');
    const first = await start(path);
    await (await populate(first)).control.reset();
    await first.close();
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  it('survives SIGKILL of `npm run emulator -- --persist <file>`', async () => {
    const path = join(dir, 'killed.jsonl');
    const launch = () =>
      new Promise<{ child: ChildProcess; url: string }>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', 'local/mesibo-emulator/main.ts', '--persist', path],
          {
            env: { ...process.env, MESIBO_EMULATOR_PORT: '0', MESIBO_APP_TOKEN: APP_TOKEN },
            stdio: ['ignore', 'pipe', 'inherit'],
          },
        );
        let out = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString('utf8');
          const url = /JSON (http:\/\/[^/]+)\/backend\//.exec(out)?.[1];
          if (url) resolve({ child, url });
        });
        child.once('exit', (code) => reject(new Error(`emulator exited early (${code}): ${out}`)));
      });
    const asRunning = (url: string): RunningEmulator => ({
      url,
      backendUrl: `${url}/backend/`,
      legacyUrl: `${url}/api.php`,
      appToken: APP_TOKEN,
      close: async () => {},
    });
    const kill = (child: ChildProcess) =>
      new Promise<void>((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      });

    const first = await launch();
    const before = await (await populate(asRunning(first.url))).control.state({ tokens: true });
    await kill(first.child);

    const second = await launch();
    try {
      expect(await harnessFor(asRunning(second.url)).control.state({ tokens: true })).toEqual(before);
    } finally {
      await kill(second.child);
    }
  });
});
