/**
 * The local state directory (default `.local/`, gitignored; `LOCAL_STATE_DIR` moves it). `npm start`
 * writes the dev key pair, dev credentials and local secrets there, and the dev helpers read them, so a
 * token minted by `npm run dev:token` is accepted by the running stack. Files are owner-only.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export const DEFAULT_STATE_DIR = '.local';

export const stateDir = (explicit?: string): string =>
  resolve(explicit ?? process.env.LOCAL_STATE_DIR ?? DEFAULT_STATE_DIR);

export const readJsonFile = async (path: string): Promise<unknown> => {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
};

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
export const writeJsonFile = async (path: string, value: unknown): Promise<void> => {
  const tmp = `${path}.${randomUUID()}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
};

/**
 * Returns the parsed file, or creates it with `create()` when absent. A file that exists but does not
 * parse is an error (never silently replaced: it may hold a key other tools still use).
 */
export const loadOrCreate = async <T>(
  dir: string,
  file: string,
  parse: (value: unknown) => T,
  create: () => Promise<T> | T,
): Promise<T> => {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, file);
  const existing = await readJsonFile(path);
  if (existing !== undefined) {
    try {
      return parse(existing);
    } catch (e) {
      throw new Error(`${path} is not valid (${(e as Error).message}); delete it to regenerate`);
    }
  }
  const created = await create();
  await writeJsonFile(path, created);
  return created;
};

/** Reads a state file a helper needs, with a hint when `npm start` has not created it yet. */
export const loadRequired = async <T>(
  dir: string,
  file: string,
  parse: (value: unknown) => T,
): Promise<T> => {
  const path = join(dir, file);
  const value = await readJsonFile(path);
  if (value === undefined) {
    throw new Error(`${path} not found: run \`npm start\` once first (same LOCAL_STATE_DIR)`);
  }
  return parse(value);
};
