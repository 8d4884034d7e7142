/**
 * `npm run bench`: measures the product on local parts (mesibo emulator with injected latency,
 * dynalite) against naive baselines measured in the same run. Prints a table, writes
 * bench/results.json and docs/BENCHMARKS.md.
 *
 *   BENCH_MESIBO_LATENCY_MS  latency injected per mesibo call (default 50)
 *   --quick                  smaller sizes and fewer repetitions (used by the harness test)
 *   --only <case,...>        run only these case groups (cold-start, token, group-sync, fanout)
 */
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { caseGroups } from './cases';
import { benchmarksMarkdown } from './lib/markdown';
import { type BenchRow, type BenchSettings, markdownTable, writeResults } from './lib/report';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const main = async () => {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      out: { type: 'string' },
      docs: { type: 'string' },
    },
  });
  const latency = Number(process.env.BENCH_MESIBO_LATENCY_MS ?? 50);
  if (!Number.isFinite(latency) || latency < 0)
    throw new Error('BENCH_MESIBO_LATENCY_MS must be a number ≥ 0');
  const settings: BenchSettings = { mesiboLatencyMs: latency, quick: values.quick === true };
  const only = values.only?.split(',').map((s) => s.trim());
  const unknown = only?.filter((name) => !caseGroups.some((g) => g.name === name)) ?? [];
  if (unknown.length) throw new Error(`unknown case group(s): ${unknown.join(', ')}`);

  const startedAt = new Date();
  const rows: BenchRow[] = [];
  for (const group of caseGroups) {
    if (only && !only.includes(group.name)) continue;
    process.stderr.write(`bench: ${group.name} ...\n`);
    const started = performance.now();
    rows.push(...(await group.run(settings)));
    process.stderr.write(
      `bench: ${group.name} done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
  }

  console.log(markdownTable(rows));
  const out = values.out ?? join(root, 'bench', 'results.json');
  await writeResults(out, settings, rows, startedAt);
  const docs = values.docs ?? join(root, 'docs', 'BENCHMARKS.md');
  await writeFile(docs, benchmarksMarkdown(rows, settings, startedAt));
  process.stderr.write(`bench: wrote ${out} and ${docs}\n`);
};

main().catch((e) => {
  console.error(`bench failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
