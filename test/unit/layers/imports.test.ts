/**
 * Dependencies point away from the tests: the benchmarks and the local stack (with its harnesses)
 * may use anything but `test/`, so a benchmark never depends on a test file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SPECIFIER = /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

const sources = (folder: string) =>
  readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.split(/[\\/]/).includes('node_modules'))
    .map((f) => join(folder, f));

/** Each relative import of `file`, as a path from the repository root. */
const importsOf = (file: string) =>
  [...readFileSync(join(ROOT, file), 'utf8').matchAll(SPECIFIER)].map((m) =>
    relative(ROOT, resolve(ROOT, dirname(file), m[1] as string)),
  );

describe.each(['bench', 'local'])('%s/', (folder) => {
  it('imports nothing from test/', () => {
    const intoTests = sources(folder).flatMap((file) =>
      importsOf(file)
        .filter((target) => target === 'test' || target.startsWith(`test/`))
        .map((target) => `${file} -> ${target}`),
    );
    expect(intoTests).toEqual([]);
  });
});
