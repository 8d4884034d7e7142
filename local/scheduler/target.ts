/**
 * Delivery of a schedule's input to its Lambda target, as EventBridge Scheduler does it: the input is
 * the event, its context placeholders (`<aws.scheduler.scheduled-time>`, …) filled in, failures
 * retried a bounded number of times with backoff, then recorded as dead letters.
 */
import { randomUUID } from 'node:crypto';

export interface FireContext {
  scheduleArn: string;
  scheduledTime: number;
  attempt: number;
  executionId: string;
}

/** Replaces Scheduler's context attributes inside every string of the input. */
export const fillPlaceholders = (input: unknown, ctx: FireContext): unknown => {
  const values: Record<string, string> = {
    '<aws.scheduler.schedule-arn>': ctx.scheduleArn,
    '<aws.scheduler.scheduled-time>': new Date(ctx.scheduledTime).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    '<aws.scheduler.execution-id>': ctx.executionId,
    '<aws.scheduler.attempt-number>': String(ctx.attempt),
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return v.replace(/<aws\.scheduler\.[a-z-]+>/g, (m) => values[m] ?? m);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(input);
};

export interface FireOutcome {
  at: number;
  scheduledTime: number;
  attempts: number;
  ok: boolean;
  error?: string;
}

export interface ScheduleDeadLetter {
  schedule: string;
  input: unknown;
  error: string;
  at: number;
}

export interface TargetOptions {
  /** Invokes the target with one event; rejects on failure. */
  invoke: (event: unknown) => Promise<unknown>;
  /** Attempts in total (Scheduler's retry policy, scaled down for local use). */
  maxAttempts?: number;
  baseDelayMs?: number;
  onDeadLetter?: (letter: ScheduleDeadLetter) => void;
  now?: () => number;
}

export const fireTarget = async (
  options: TargetOptions,
  schedule: { name: string; arn: string; input: unknown },
  scheduledTime: number,
): Promise<FireOutcome> => {
  const now = options.now ?? Date.now;
  const maxAttempts = options.maxAttempts ?? 3;
  const executionId = randomUUID();
  let lastError = '';
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const event = fillPlaceholders(schedule.input, {
      scheduleArn: schedule.arn,
      scheduledTime,
      attempt,
      executionId,
    });
    try {
      await options.invoke(event);
      return { at: now(), scheduledTime, attempts: attempt, ok: true };
    } catch (e) {
      lastError = (e as Error).message;
      if (attempt < maxAttempts) {
        const delay = (options.baseDelayMs ?? 1000) * 2 ** (attempt - 1);
        await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random() / 2)));
      }
    }
  }
  options.onDeadLetter?.({ schedule: schedule.name, input: schedule.input, error: lastError, at: now() });
  return { at: now(), scheduledTime, attempts: maxAttempts, ok: false, error: lastError };
};
