/**
 * `npm run bench`: measures the product on local parts (mesibo emulator with injected latency,
 * dynalite) against baselines measured in the same run. Prints a table, writes bench/results.json
 * and docs/BENCHMARKS.md; with --only, only the named groups' rows are replaced in both.
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
import {
  type BenchRow,
  type BenchSettings,
  type GroupRun,
  loadAverage,
  markdownTable,
  mergeResults,
  readResults,
  writeResults,
} from './lib/report';

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
  const runs: Record<string, GroupRun> = {};
  for (const group of caseGroups) {
    if (only && !only.includes(group.name)) continue;
    const before = loadAverage();
    process.stderr.write(`bench: ${group.name} ... (load average ${before})\n`);
    const groupStarted = new Date();
    const ran = await group.run(settings);
    const result = Array.isArray(ran) ? { rows: ran, nodes: [process.version] } : ran;
    const durationSeconds = Math.round((Date.now() - groupStarted.getTime()) / 100) / 10;
    rows.push(...result.rows);
    runs[group.name] = {
      startedAt: groupStarted.toISOString(),
      durationSeconds,
      settings,
      nodes: result.nodes,
      load: { before, after: loadAverage() },
    };
    process.stderr.write(`bench: ${group.name} done in ${durationSeconds} s\n`);
  }

  console.log(markdownTable(rows, Object.values(runs).find((r) => r.nodes.length > 1)?.nodes));
  const out = values.out ?? join(root, 'bench', 'results.json');
  const results = mergeResults(
    await readResults(out),
    { startedAt, runs, rows },
    caseGroups.map((g) => g.name),
  );
  await writeResults(out, results);
  const docs = values.docs ?? join(root, 'docs', 'BENCHMARKS.md');
  await writeFile(docs, benchmarksMarkdown(results));
  const total = Object.values(runs).reduce((s, r) => s + r.durationSeconds, 0);
  process.stderr.write(`bench: wrote ${out} and ${docs} (${Math.round(total)} s in all)\n`);
};

main().catch((e) => {
  console.error(`bench failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
