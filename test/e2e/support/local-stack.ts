/**
 * Runs `npm start` as a child process on free ports with its own state directory, the way a
 * developer would, and stops it with SIGTERM to its process group (what Ctrl-C or a supervisor
 * does), so the test sees exactly the product's start and shutdown behaviour.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = new URL('../../../', import.meta.url).pathname;

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

/** True when nothing accepts connections on the port any more. */
export const portIsFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

export interface RunningStack {
  url: string;
  emulatorUrl: string;
  port: number;
  emulatorPort: number;
  stateDir: string;
  /** Environment for the dev helpers (PORT, LOCAL_STATE_DIR). */
  env: Record<string, string>;
  readyMs: number;
  output(): string;
  /**
   * SIGTERM to the whole process group (Ctrl-C, a supervisor), or to the `npm` process alone
   * (`kill <pid>`, `timeout`): the stack must stop cleanly either way.
   */
  stop(target?: 'group' | 'npm'): Promise<StackExit>;
  /** SIGKILL to the whole process group: a crash, with no chance to flush or shut down. */
  crash(): Promise<void>;
}

export interface StackExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** A process of the stack outlived npm (it has been killed since). */
  leftover: boolean;
}

export interface StartOptions {
  args?: string[];
  env?: Record<string, string>;
  stateDir?: string;
  timeoutMs?: number;
}

const waitForExit = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });

/** Spawns `npm start`; resolves once the ready line is printed. */
export const startStack = async (options: StartOptions = {}): Promise<RunningStack> => {
  const [port, emulatorPort] = [await freePort(), await freePort()];
  const ownDir = options.stateDir === undefined;
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'mesibo-local-')));
  const env = { PORT: String(port), MESIBO_EMULATOR_PORT: String(emulatorPort), LOCAL_STATE_DIR: stateDir };
  const started = Date.now();
  const child = spawn('npm', ['start', ...(options.args?.length ? ['--', ...options.args] : [])], {
    cwd: ROOT,
    env: { ...process.env, ...env, ...options.env },
    // Its own process group, so the whole tree (npm, sh, tsx, node) can be signalled at once.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });

  const stop = async (target: 'group' | 'npm' = 'group') => {
    const result = await terminate(target);
    if (ownDir) await rm(stateDir, { recursive: true, force: true });
    return result;
  };

  /** True while any process of the stack's group is alive (npm may exit before its children). */
  const groupAlive = () => {
    try {
      if (child.pid) process.kill(-child.pid, 0);
      return Boolean(child.pid);
    } catch {
      return false;
    }
  };

  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };

  const terminate = async (target: 'group' | 'npm') => {
    const exit = waitForExit(child);
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(target === 'group' ? -child.pid : child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    // Last resort, so a broken shutdown fails the test instead of hanging it.
    const timer = setTimeout(killGroup, 15_000);
    const result = await exit;
    for (let waited = 0; groupAlive() && waited < 5_000; waited += 100) await sleep(100);
    clearTimeout(timer);
    const leftover = groupAlive();
    // Never leak a process into the next test, but report that one was left behind.
    if (leftover) killGroup();
    return { ...result, leftover };
  };

  const ready = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ready line within the timeout:\n${output}`)),
      options.timeoutMs ?? 30_000,
    );
    const check = () => {
      const m = /ready at (http:\/\/\S+)/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code} before ready:\n${output}`));
    });
  }).catch(async (e: unknown) => {
    await stop('group');
    throw e;
  });

  return {
    url: ready,
    emulatorUrl: `http://127.0.0.1:${emulatorPort}`,
    port,
    emulatorPort,
    stateDir,
    env,
    readyMs: Date.now() - started,
    output: () => output,
    stop,
    crash: async () => {
      const exit = waitForExit(child);
      killGroup();
      await exit;
      for (let waited = 0; groupAlive() && waited < 5_000; waited += 100) await sleep(100);
    },
  };
};

/** Polls `probe` until it returns a value other than undefined. */
export const eventually = async <T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(100);
  }
};
