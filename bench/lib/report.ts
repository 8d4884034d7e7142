/**
 * Bench results: one row per measured figure. Figures that depend on machine speed carry the
 * baseline measured in the same run and their ratio to it. A row may carry the same figure measured
 * on a second Node version (`second`); the run records which versions those were.
 */
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { round } from './stats';

export interface Measured {
  value: number;
  baseline?: number;
  ratio?: number;
}

export interface BenchRow extends Measured {
  case: string;
  metric: string;
  unit: string;
  /** The same figure on the second Node version of the run (see `GroupRun.nodes`). */
  second?: Measured;
}

export interface BenchSettings {
  mesiboLatencyMs: number;
  quick: boolean;
  [key: string]: unknown;
}

/** How and when one case group ran: its rows are only comparable with this in view. */
export interface GroupRun {
  startedAt: string;
  durationSeconds: number;
  settings: BenchSettings;
  /** Node versions measured: the first is `value`, the second (if any) is `second`. */
  nodes: string[];
  /** The machine's 1-minute load average when the group started and ended. */
  load: { before: number; after: number };
}

export interface BenchResults {
  startedAt: string;
  machine: ReturnType<typeof machine>;
  runs: Record<string, GroupRun>;
  cases: BenchRow[];
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
  platform: `${os.platform()} ${os.arch()}`,
});

export const loadAverage = (): number => round(os.loadavg()[0] ?? 0, 2);

const cell = (v: number | undefined): string => (v === undefined ? '' : String(v));

/** `nodes`: the Node versions of `value` and of `second`, when a group measured on two. */
export const markdownTable = (rows: readonly BenchRow[], nodes: readonly string[] = []): string => {
  const second = nodes.length > 1 && rows.some((r) => r.second);
  const value = second ? `value (Node ${nodes[0]})` : 'value';
  const lines = [
    `| case | metric | ${value} | unit | baseline | ratio |${second ? ` Node ${nodes[1]} | Node ${nodes[1]} ratio |` : ''}`,
    `|---|---|---:|---|---:|---:|${second ? '---:|---:|' : ''}`,
    ...rows.map(
      (r) =>
        `| ${r.case} | ${r.metric} | ${r.value} | ${r.unit} | ${cell(r.baseline)} | ${cell(r.ratio)} |${
          second ? ` ${cell(r.second?.value)} | ${cell(r.second?.ratio)} |` : ''
        }`,
    ),
  ];
  return lines.join('\n');
};

/** The results file as it stands, or undefined when there is none (or it predates this format). */
export const readResults = async (path: string): Promise<BenchResults | undefined> => {
  try {
    const doc = JSON.parse(await readFile(path, 'utf8')) as Partial<BenchResults>;
    return doc.runs && Array.isArray(doc.cases) ? (doc as BenchResults) : undefined;
  } catch {
    return undefined;
  }
};

/**
 * This run's groups replace their own rows; every other group keeps the rows of its last run, so
 * `--only <case>` refreshes one group without dropping the others. Groups stay in `order`.
 */
export const mergeResults = (
  previous: BenchResults | undefined,
  current: { startedAt: Date; runs: Record<string, GroupRun>; rows: readonly BenchRow[] },
  order: readonly string[],
): BenchResults => {
  const ran = new Set(Object.keys(current.runs));
  const keep = (name: string) => !ran.has(name) && previous?.runs[name] !== undefined;
  const runs: Record<string, GroupRun> = {};
  const cases: BenchRow[] = [];
  for (const name of order) {
    if (ran.has(name)) {
      runs[name] = current.runs[name]!;
      cases.push(...current.rows.filter((r) => r.case === name));
    } else if (keep(name)) {
      runs[name] = previous!.runs[name]!;
      cases.push(...previous!.cases.filter((r) => r.case === name));
    }
  }
  return { startedAt: current.startedAt.toISOString(), machine: machine(), runs, cases };
};

export const writeResults = async (path: string, results: BenchResults): Promise<void> => {
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
};
