/**
 * Runs functions of mesibo's own PHP helpers (mesibo/samples, `backend-api/php`) unmodified, one
 * `php` process per call, against an emulator on loopback. The helpers are not part of this project:
 * `MESIBO_PHP_HELPERS` lists directories holding copies of that folder.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const PHP_HELPERS_ENV = 'MESIBO_PHP_HELPERS';

/** `json`: a JSON POST to /backend/; `form`: the 2022 helper's `$jsonapi = false`, a GET to /backend/. */
export type PhpTransport = 'json' | 'form';

export interface HelperCopy {
  dir: string;
  /** `2022`: the functions live in mesibohelper.php; `current`: MesiboOTP/MesiboAddUser in mesiboapi.php. */
  generation: '2022' | 'current';
  transports: PhpTransport[];
}

const phpCanRun = (): string | undefined => {
  try {
    execFileSync('php', ['-r', 'exit(function_exists("curl_init") ? 0 : 3);'], { stdio: 'ignore' });
    return undefined;
  } catch (error) {
    return (error as { status?: number }).status === 3
      ? 'php has no curl extension (Debian: apt-get install php-curl)'
      : 'php is not on PATH (Debian: apt-get install php-cli php-curl)';
  }
};

/** Why the helpers cannot run here, or undefined when they can. */
export const phpHelpersSkipReason = (): string | undefined => {
  if (!process.env[PHP_HELPERS_ENV]) {
    return (
      `${PHP_HELPERS_ENV} is not set. Get the helpers with \`git clone https://github.com/mesibo/samples\` ` +
      `and set ${PHP_HELPERS_ENV}=<clone>/backend-api/php (several copies, e.g. one extracted from an ` +
      `older commit with \`git archive <commit> backend-api/php\`, separated by ':')`
    );
  }
  return phpCanRun();
};

/** The copies named by the env var; a directory that is not a copy of the helpers is an error, not a skip. */
export const helperCopies = (): HelperCopy[] =>
  (process.env[PHP_HELPERS_ENV] ?? '')
    .split(':')
    .filter((dir) => dir !== '')
    .map((dir) => {
      const api = join(dir, 'mesiboapi.php');
      if (!existsSync(api)) throw new Error(`${PHP_HELPERS_ENV}: ${dir} holds no mesiboapi.php`);
      const generation = existsSync(join(dir, 'mesibohelper.php')) ? '2022' : 'current';
      // Only the helper that reads `$jsonapi` has a form mode.
      const transports: PhpTransport[] = readFileSync(api, 'utf8').includes('$jsonapi')
        ? ['json', 'form']
        : ['json'];
      return { dir, generation, transports };
    });

/**
 * Calls one helper function and prints what it returned. This directory, which holds the config
 * written below, is searched before the helper's own, so the helper's placeholder config is not read.
 * The current helper calls safe_json_encode() without loading json.php, so any caller must load it.
 */
const DRIVER = `<?php
[, $dir, $entry, $fn, $args] = $argv;
set_include_path(__DIR__ . PATH_SEPARATOR . $dir);
require_once($dir . '/json.php');
require_once($dir . '/' . $entry);
echo json_encode(['returned' => call_user_func_array($fn, json_decode($args, true))]);
`;

const phpString = (value: string) => `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

/** The helper's own config file, as its README asks for one: app token, base URL, transport switch. */
const config = (appToken: string, backendUrl: string, transport: PhpTransport) => `<?php
$apptoken = ${phpString(appToken)};
$mesibobaseurl = ${phpString(backendUrl)};
$jsonapi = ${transport === 'json' ? 'true' : 'false'};
`;

const run = promisify(execFile);

export interface PhpSession {
  /** Calls `fn(...args)` in the helper; answers what it returned (mesibo's decoded response). */
  call(fn: string, ...args: unknown[]): Promise<Record<string, unknown>>;
  /** Every stdout and stderr the php processes wrote, to check no secret reached them. */
  readonly outputs: string[];
  close(): Promise<void>;
}

export const phpSession = async (
  copy: HelperCopy,
  transport: PhpTransport,
  emulator: { appToken: string; backendUrl: string },
): Promise<PhpSession> => {
  const work = await mkdtemp(join(tmpdir(), 'mesibo-php-'));
  await writeFile(join(work, 'driver.php'), DRIVER);
  await writeFile(join(work, 'mesiboconfig.php'), config(emulator.appToken, emulator.backendUrl, transport), {
    mode: 0o600,
  });
  const entry = copy.generation === '2022' ? 'mesibohelper.php' : 'mesiboapi.php';
  const outputs: string[] = [];
  // Shown in failures, so the app token is taken out even though php should never print it.
  const redact = (text: string) => text.replaceAll(emulator.appToken, '[REDACTED]');
  return {
    outputs,
    async call(fn, ...args) {
      const argv = [
        // The 2022 helper reads undefined variables (its own bugs): warnings go to stderr, not the answer.
        '-d',
        'display_errors=stderr',
        '-d',
        'log_errors=0',
        '-d',
        'zend.exception_ignore_args=1',
        join(work, 'driver.php'),
        copy.dir,
        entry,
        fn,
        JSON.stringify(args),
      ];
      let stdout: string;
      let stderr: string;
      try {
        ({ stdout, stderr } = await run('php', argv, { cwd: work, timeout: 30_000 }));
      } catch (error) {
        const failed = error as Error & { stdout?: string; stderr?: string };
        outputs.push(failed.stdout ?? '', failed.stderr ?? '');
        throw new Error(`${fn}: php failed: ${redact(failed.message)}\n${redact(failed.stdout ?? '')}`);
      }
      outputs.push(stdout, stderr);
      const { returned } = JSON.parse(stdout) as { returned: Record<string, unknown> | false };
      if (!returned) throw new Error(`${fn}: the helper got no JSON answer; stderr: ${redact(stderr)}`);
      return returned;
    },
    close: () => rm(work, { recursive: true, force: true }),
  };
};
