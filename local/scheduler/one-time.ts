/**
 * The local `OneTimeScheduler`: a schedule fires once at its time, delivering its payload to the
 * target, and then deletes itself (Scheduler's ActionAfterCompletion DELETE). Creating a name that is
 * still pending is `exists`, as CreateSchedule's ConflictException is for the AWS adapter.
 */
import type { OneTimeSchedule, OneTimeScheduler } from '../../shared/ports';
import { type FireOutcome, fireTarget, type TargetOptions } from './target';
import { timerAt } from './timer';

export interface PendingOneTime {
  name: string;
  at: number;
  payload: unknown;
}

export interface FiredOneTime extends FireOutcome {
  name: string;
}

export class LocalOneTimeScheduler implements OneTimeScheduler {
  private readonly pending = new Map<string, PendingOneTime & { timer: { cancel(): void } }>();
  private readonly fired: FiredOneTime[] = [];
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly target: TargetOptions,
    private readonly arnPrefix: string,
  ) {}

  async create(schedule: OneTimeSchedule): Promise<'created' | 'exists'> {
    if (this.closed) throw new Error('the local scheduler is shut down');
    if (this.pending.has(schedule.name)) return 'exists';
    const at = schedule.at.getTime();
    const timer = timerAt(at, () => this.fire(schedule.name));
    this.pending.set(schedule.name, { name: schedule.name, at, payload: schedule.payload, timer });
    return 'created';
  }

  list(): { pending: PendingOneTime[]; fired: FiredOneTime[] } {
    return {
      pending: [...this.pending.values()]
        .map(({ name, at, payload }) => ({ name, at, payload }))
        .sort((a, b) => a.at - b.at),
      fired: [...this.fired],
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.pending.values()) p.timer.cancel();
    await Promise.allSettled([...this.running]);
  }

  private fire(name: string): void {
    const schedule = this.pending.get(name);
    if (!schedule || this.closed) return;
    const run = fireTarget(
      this.target,
      { name, arn: `${this.arnPrefix}${name}`, input: schedule.payload },
      schedule.at,
    ).then((outcome) => {
      this.pending.delete(name);
      this.fired.push({ name, ...outcome });
      if (this.fired.length > 100) this.fired.shift();
    });
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }
}
