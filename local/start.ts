/**
 * `npm start`: the whole product on one machine. Reads PORT, MESIBO_EMULATOR_PORT, LOCAL_STATE_DIR
 * and, to use the real mesibo instead of the emulator, MESIBO_API_URL + MESIBO_APP_TOKEN
 * (MESIBO_API_STYLE picks json or legacy), and CORS_ALLOW_ORIGINS (comma-separated browser origins,
 * replacing the default of any localhost port). `--persist <dir>` keeps DynamoDB data and the
 * emulator's state on disk;
 * `--schedules <file>` replaces local/schedules.json. Ends its output with one `ready` line.
 */
import { parseArgs } from 'node:util';
import { isOriginPattern, ORIGIN_PATTERN_RULE } from '../shared/http/cors';
import { stateDir } from './state-dir';

const started = performance.now();

const fail = (message: string): never => {
  console.error(`npm start: ${message}`);
  process.exit(1);
};

const portFrom = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    fail(`${name} must be a port number, got "${raw}"`);
  return port;
};

// Local defaults for the functions' Powertools, set before any function module is loaded.
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'mesibo-serverless-local';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.AWS_REGION ??= 'us-east-1';
// The SDK warns on Node < 22 about its future releases; the pinned version runs here, and Lambda runs 24.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = (() => {
  try {
    return parseArgs({
      // Tolerate the `--` that separates script flags when run directly (`tsx local/start.ts -- ...`).
      args: process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === '--')),
      options: {
        persist: { type: 'string' },
        schedules: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    return fail((e as Error).message);
  }
})();
if (values.help) {
  console.log('usage: npm start [-- --persist <dir>] [--schedules <file>]\nsee docs/local.md');
  process.exit(0);
}

const styleVar = process.env.MESIBO_API_STYLE || 'json';
if (styleVar !== 'json' && styleVar !== 'legacy')
  fail(`MESIBO_API_STYLE must be json or legacy, got "${styleVar}"`);
const style = styleVar === 'legacy' ? 'legacy' : 'json';
const apiUrl = process.env.MESIBO_API_URL || undefined;
const appToken = process.env.MESIBO_APP_TOKEN || undefined;
if ((apiUrl === undefined) !== (appToken === undefined)) {
  fail('to use a real mesibo set both MESIBO_API_URL and MESIBO_APP_TOKEN (or neither, for the emulator)');
}

const corsOrigins = (process.env.CORS_ALLOW_ORIGINS ?? '')
  .split(',')
  .map((o) => o.trim())
  .filter(Boolean);
for (const origin of corsOrigins) {
  if (!isOriginPattern(origin, { anyPort: true }))
    fail(`CORS_ALLOW_ORIGINS: "${origin}" ${ORIGIN_PATTERN_RULE}, or http://host:* for any port of one host`);
}

const port = portFrom('PORT', 3000);
const emulatorPort = portFrom('MESIBO_EMULATOR_PORT', 3100);
const dir = stateDir();

const { startLocalStack } = await import('./stack');
const { exampleCalls } = await import('./banner');
const { signalHandler } = await import('./shutdown');

let stack: Awaited<ReturnType<typeof startLocalStack>>;
try {
  stack = await startLocalStack({
    port,
    emulatorPort,
    stateDir: dir,
    ...(values.persist ? { persistDir: values.persist } : {}),
    ...(values.schedules ? { schedulesFile: values.schedules } : {}),
    apiStyle: style,
    ...(corsOrigins.length ? { cors: { allowOrigins: corsOrigins, maxAgeSeconds: 300 } } : {}),
    ...(apiUrl && appToken ? { realMesibo: { apiUrl, appToken, style } } : {}),
  });
} catch (e) {
  // One line (a taken port names its variable), no stack trace.
  stack = fail((e as Error).message);
}

const stop = signalHandler({
  close: () => stack.close(),
  inFlight: () => stack.inFlight(),
  exit: (code) => process.exit(code),
  log: (line) => console.log(line),
  error: (line) => console.error(line),
  now: () => performance.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms).unref(),
});
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

const helperEnv: Record<string, string> = {
  ...(port === 3000 ? {} : { PORT: String(port) }),
  ...(process.env.LOCAL_STATE_DIR ? { LOCAL_STATE_DIR: dir } : {}),
};
console.log(exampleCalls(stack, { stateDir: dir, persistDir: values.persist, helperEnv }));
console.log(
  `mesibo-serverless local stack ready at ${stack.url} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
);
