/**
 * `npm run emulator`: the mesibo emulator alone, on 127.0.0.1:MESIBO_EMULATOR_PORT (default 3100),
 * with the app token MESIBO_APP_TOKEN or a generated one; `-- --persist <file>` keeps its state in
 * that file. A local dev tool: it prints a token it generated itself, never one it was given.
 */
import { parseArgs } from 'node:util';
import { startMesiboEmulator } from './server';

const DEFAULT_PORT = 3100;

const portFromEnv = (): number => {
  const raw = process.env.MESIBO_EMULATOR_PORT?.trim();
  if (!raw) return DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`mesibo emulator: MESIBO_EMULATOR_PORT must be a port number (0-65535), got "${raw}"`);
    process.exit(1);
  }
  return port;
};

const main = async () => {
  const { values } = parseArgs({ options: { persist: { type: 'string' } } });
  const port = portFromEnv();
  const givenToken = process.env.MESIBO_APP_TOKEN?.trim() || undefined;
  let emulator: Awaited<ReturnType<typeof startMesiboEmulator>>;
  try {
    emulator = await startMesiboEmulator({
      port,
      ...(givenToken ? { appToken: givenToken } : {}),
      ...(values.persist ? { persistPath: values.persist } : {}),
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(
        `mesibo emulator: port ${port} is already in use; set MESIBO_EMULATOR_PORT to a free port`,
      );
      process.exit(1);
    }
    throw error;
  }
  const token = givenToken ? 'app token from MESIBO_APP_TOKEN' : `app token ${emulator.appToken}`;
  console.log(
    `mesibo emulator ready: JSON ${emulator.backendUrl} · legacy ${emulator.legacyUrl} · state ${emulator.url}/_emulator/state · ${token}${values.persist ? ` · state kept in ${values.persist}` : ''}`,
  );

  const stop = () => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
};

main().catch((error: unknown) => {
  console.error(`mesibo emulator: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
