/**
 * The local `OneTimeScheduler`: a schedule fires once at its time, delivering its payload to the
 * target, and then deletes itself (Scheduler's ActionAfterCompletion DELETE). Creating a name that is
 * still pending is `exists`, as CreateSchedule's ConflictException is for the AWS adapter.
 *
 * With a `journalPath` (`--persist`) pending schedules survive a crash: after a restart each fires at
 * its time, or at once if its time passed while the stack was down. A schedule is forgotten only once
 * its target was invoked, so one cut off mid-delivery fires again (the function sends an occurrence once).
 */
import type { OneTimeSchedule, OneTimeScheduler } from '../../shared/ports';
import { Journal } from '../queue/journal';
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
  /** A restored schedule has no timer until `start()`. */
  private readonly pending = new Map<string, PendingOneTime & { timer?: { cancel(): void } }>();
  private readonly fired: FiredOneTime[] = [];
  private readonly running = new Set<Promise<void>>();
  private closed = false;
  private readonly journal: Journal<ScheduleEntry> | undefined;

  constructor(
    private readonly target: TargetOptions,
    private readonly arnPrefix: string,
    options: { journalPath?: string } = {},
  ) {
    if (options.journalPath === undefined) return;
    this.journal = Journal.open<ScheduleEntry>(
      options.journalPath,
      (e) => {
        if (e.t === 'add') this.pending.set(e.schedule.name, e.schedule);
        else this.pending.delete(e.name);
      },
      () => this.list().pending.map((schedule) => ({ t: 'add' as const, schedule })),
    );
  }

  async create(schedule: OneTimeSchedule): Promise<'created' | 'exists'> {
    if (this.closed) throw new Error('the local scheduler is shut down');
    if (this.pending.has(schedule.name)) return 'exists';
    const pending = { name: schedule.name, at: schedule.at.getTime(), payload: schedule.payload };
    this.journal?.append({ t: 'add', schedule: pending });
    this.arm(pending);
    return 'created';
  }

  /** Arms the schedules restored from the journal; the owner calls it once the target is wired. */
  start(): void {
    for (const s of this.pending.values()) if (!s.timer) this.arm(s);
  }

  private arm(schedule: PendingOneTime): void {
    const timer = timerAt(schedule.at, () => this.fire(schedule.name));
    this.pending.set(schedule.name, { ...schedule, timer });
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
    for (const p of this.pending.values()) p.timer?.cancel();
    await Promise.allSettled([...this.running]);
    this.journal?.close();
  }

  private fire(name: string): void {
    const schedule = this.pending.get(name);
    if (!schedule || this.closed) return;
    const run = fireTarget(
      this.target,
      { name, arn: `${this.arnPrefix}${name}`, input: schedule.payload },
      schedule.at,
    ).then((outcome) => {
      this.journal?.append({ t: 'done', name });
      this.journal?.maybeCompact(this.pending.size);
      this.pending.delete(name);
      this.fired.push({ name, ...outcome });
      if (this.fired.length > 100) this.fired.shift();
    });
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }
}

type ScheduleEntry = { t: 'add'; schedule: PendingOneTime } | { t: 'done'; name: string };
