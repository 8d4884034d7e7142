/**
 * Recurring schedules from the local schedule file, fired on their rate/cron expressions in their
 * time zone, each occurrence delivered to the target with Scheduler's placeholders filled in.
 * `fireNow` runs one occurrence immediately (scheduled time = now) without moving the next one.
 */
import { readFile } from 'node:fs/promises';
import * as z from 'zod';
import { assertTimeZone, nextFireTime, parseExpression, type ScheduleExpression } from './expression';
import { type FireOutcome, fireTarget, type TargetOptions } from './target';
import { timerAt } from './timer';

/** The same shape as a recurring schedule in the stack's stage config. */
export const ScheduleConfigSchema = z.strictObject({
  name: z.string().regex(/^[0-9a-zA-Z-_.]{1,64}$/, 'must be 1-64 of [0-9a-zA-Z-_.]'),
  expression: z.string(),
  timeZone: z.string().default('UTC'),
  description: z.string().max(512).optional(),
  enabled: z.boolean().default(true),
  payload: z.record(z.string(), z.unknown()),
});
export type ScheduleConfig = z.infer<typeof ScheduleConfigSchema>;

export const ScheduleFileSchema = z.strictObject({
  $comment: z.string().optional(),
  schedules: z.array(ScheduleConfigSchema),
});

export interface RecurringStatus {
  name: string;
  expression: string;
  timeZone: string;
  description?: string;
  enabled: boolean;
  nextFireAt: number | null;
  fireCount: number;
  last?: FireOutcome;
}

interface Entry {
  config: ScheduleConfig;
  expression: ScheduleExpression;
  input: unknown;
  nextFireAt: number | null;
  timer?: { cancel(): void };
  fireCount: number;
  last?: FireOutcome;
}

/** Reads and checks a schedule file; every problem is named with the schedule it belongs to. */
export const loadScheduleFile = async (path: string): Promise<ScheduleConfig[]> => {
  const text = await readFile(path, 'utf8');
  const parsed = ScheduleFileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new Error(
      `${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data.schedules;
};

export class UnknownScheduleError extends Error {}

export class RecurringScheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly running = new Set<Promise<unknown>>();
  private readonly now: () => number;
  private closed = false;

  /**
   * `toInput` turns a schedule's payload into the target input (and throws when the payload is
   * invalid, so a bad schedule fails at start, not at fire time).
   */
  constructor(
    configs: ScheduleConfig[],
    private readonly target: TargetOptions,
    private readonly options: {
      arnPrefix: string;
      toInput: (name: string, payload: unknown) => unknown;
      now?: () => number;
    },
  ) {
    this.now = options.now ?? Date.now;
    const anchor = this.now();
    for (const config of configs) {
      if (this.entries.has(config.name)) throw new Error(`schedule ${config.name} is declared twice`);
      let expression: ScheduleExpression;
      try {
        expression = parseExpression(config.expression);
        assertTimeZone(config.timeZone);
      } catch (e) {
        throw new Error(`schedule ${config.name}: ${(e as Error).message}`);
      }
      if (expression.kind === 'at')
        throw new Error(`schedule ${config.name}: at() is for one-time schedules`);
      const input = options.toInput(config.name, config.payload);
      const entry: Entry = { config, expression, input, nextFireAt: null, fireCount: 0 };
      this.entries.set(config.name, entry);
      if (config.enabled) this.arm(entry, anchor, anchor);
    }
  }

  list(): RecurringStatus[] {
    return [...this.entries.values()].map((e) => ({
      name: e.config.name,
      expression: e.config.expression,
      timeZone: e.config.timeZone,
      ...(e.config.description ? { description: e.config.description } : {}),
      enabled: e.config.enabled,
      nextFireAt: e.nextFireAt,
      fireCount: e.fireCount,
      ...(e.last ? { last: e.last } : {}),
    }));
  }

  /** Fires one occurrence now and resolves with its outcome. */
  async fireNow(name: string): Promise<FireOutcome> {
    const entry = this.entries.get(name);
    if (!entry) throw new UnknownScheduleError(`no schedule named ${name}`);
    return this.fire(entry, this.now());
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const e of this.entries.values()) e.timer?.cancel();
    await Promise.allSettled([...this.running]);
  }

  private arm(entry: Entry, after: number, anchor: number): void {
    entry.nextFireAt = nextFireTime(entry.expression, after, { timeZone: entry.config.timeZone, anchor });
    if (entry.nextFireAt === null || this.closed) return;
    const at = entry.nextFireAt;
    entry.timer = timerAt(
      at,
      () => {
        this.arm(entry, at, anchor);
        void this.fire(entry, at);
      },
      this.now,
    );
  }

  private async fire(entry: Entry, scheduledTime: number): Promise<FireOutcome> {
    const run = fireTarget(
      this.target,
      { name: entry.config.name, arn: `${this.options.arnPrefix}${entry.config.name}`, input: entry.input },
      scheduledTime,
    );
    this.running.add(run);
    try {
      const outcome = await run;
      entry.fireCount += 1;
      entry.last = outcome;
      return outcome;
    } finally {
      this.running.delete(run);
    }
  }
}
