/**
 * Bench results: one row per measured figure. Figures that depend on machine speed carry the
 * baseline measured in the same run and their ratio to it.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { round } from './stats';

export interface BenchRow {
  case: string;
  metric: string;
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
}

export interface BenchSettings {
  mesiboLatencyMs: number;
  quick: boolean;
  [key: string]: unknown;
}

/** A row compared with a baseline: ratio = value / baseline. */
export const vs = (row: Omit<BenchRow, 'ratio' | 'baseline'>, baseline: number): BenchRow => ({
  ...row,
  baseline: round(baseline, 3),
  ratio: baseline === 0 ? undefined : round(row.value / baseline, 3),
});

export const machine = () => ({
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  memoryGb: round(os.totalmem() / 1024 ** 3, 1),
  node: process.version,
  platform: `${os.platform()} ${os.arch()}`,
});

const cell = (v: number | undefined): string => (v === undefined ? '' : String(v));

export const markdownTable = (rows: readonly BenchRow[]): string => {
  const lines = [
    '| case | metric | value | unit | baseline | ratio |',
    '|---|---|---:|---|---:|---:|',
    ...rows.map(
      (r) => `| ${r.case} | ${r.metric} | ${r.value} | ${r.unit} | ${cell(r.baseline)} | ${cell(r.ratio)} |`,
    ),
  ];
  return lines.join('\n');
};

export const writeResults = async (
  path: string,
  settings: BenchSettings,
  rows: readonly BenchRow[],
  startedAt: Date,
): Promise<void> => {
  const doc = { startedAt: startedAt.toISOString(), machine: machine(), settings, cases: rows };
  await writeFile(path, `${JSON.stringify(doc, null, 2)}\n`);
};
