/**
 * One redrive of a DLQ: receive every letter, plan each (`planRedrive`), show the plan, and once
 * confirmed send each letter's work to its destination, deleting a letter only after its send
 * succeeded. A crash half way leaves a letter in the DLQ and perhaps its work sent too; the batch
 * ledger, the group-sync delivery ledger and the occurrence gate absorb that duplicate. Letters kept
 * or not sent are made visible again, so nothing is dropped.
 */

import type { QueuePublisher } from '../ports';
import { QueuePublishError } from '../queue/sqs-publisher';
import type { ScheduleInput } from '../system-messages/schedule-input';
import { type DeadLetterView, planRedrive, type RedrivePlan, type RedriveQueue } from './plan';

export interface ReceivedLetter extends DeadLetterView {
  id: string;
  receiptHandle: string;
}

export interface DeadLetterSource {
  /** The next letters not yet received in this run; empty once there are none. */
  receive(): Promise<ReceivedLetter[]>;
  /** Deletes these letters; answers the ids that could not be deleted. */
  delete(letters: ReceivedLetter[]): Promise<string[]>;
  /** Makes these letters visible in the DLQ again at once. */
  release(letters: ReceivedLetter[]): Promise<void>;
}

export interface RedriveDestinations {
  /** The work queue (fan-out or group sync); a QueuePublishError names the messages not accepted. */
  queue?: QueuePublisher;
  /** Delivers a schedule input to send-system-message again. */
  invoke?: (input: ScheduleInput) => Promise<void>;
}

export interface PlannedLetter {
  letter: ReceivedLetter;
  plan: RedrivePlan;
}

/** Letters per reason, split into those that would move and those that stay. */
export type ReasonSummary = Record<string, { move: number; keep: number }>;

export interface RedriveReport {
  found: number;
  summary: ReasonSummary;
  moved: { id: string; reason: string }[];
  left: { id: string; reason: string; why: string }[];
  /** Moved, but still in the DLQ: a later redrive sends them again (harmless, see above). */
  notDeleted: string[];
  confirmed: boolean;
}

export interface RedriveOptions {
  queue: RedriveQueue;
  source: DeadLetterSource;
  destinations: RedriveDestinations;
  /** Asked before anything is sent; `false` leaves every letter where it is. */
  confirm: (summary: ReasonSummary, found: number) => Promise<boolean>;
  dryRun?: boolean;
  newId: () => string;
}

export const summarize = (planned: readonly PlannedLetter[]): ReasonSummary => {
  const summary: ReasonSummary = {};
  for (const { plan } of planned) {
    const entry = summary[plan.reason] ?? { move: 0, keep: 0 };
    summary[plan.reason] = entry;
    if (plan.action === 'keep') entry.keep += 1;
    else entry.move += 1;
  }
  return summary;
};

const receiveAll = async (source: DeadLetterSource): Promise<ReceivedLetter[]> => {
  const seen = new Map<string, ReceivedLetter>();
  for (;;) {
    const batch = await source.receive();
    if (batch.length === 0) return [...seen.values()];
    for (const letter of batch) if (!seen.has(letter.id)) seen.set(letter.id, letter);
  }
};

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export const runRedrive = async (options: RedriveOptions): Promise<RedriveReport> => {
  const { source, destinations } = options;
  const letters = await receiveAll(source);
  const planned = letters.map((letter) => ({
    letter,
    plan: planRedrive(options.queue, letter, options.newId),
  }));
  const summary = summarize(planned);
  const report: RedriveReport = {
    found: letters.length,
    summary,
    moved: [],
    left: [],
    notDeleted: [],
    confirmed: false,
  };
  const moving = planned.filter((p) => p.plan.action !== 'keep');
  const leave = (p: PlannedLetter, why: string) =>
    report.left.push({ id: p.letter.id, reason: p.plan.reason, why });
  for (const p of planned) if (p.plan.action === 'keep') leave(p, p.plan.why);

  if (options.dryRun || moving.length === 0 || !(await options.confirm(summary, letters.length))) {
    for (const p of moving) leave(p, options.dryRun ? 'dry run' : 'not confirmed');
    await source.release(letters);
    return report;
  }
  report.confirmed = true;

  const sent: PlannedLetter[] = [];
  const enqueue = moving.flatMap((p) =>
    p.plan.action === 'enqueue' ? [{ p, message: p.plan.message }] : [],
  );
  if (enqueue.length) {
    const failed = new Map<number, string>();
    try {
      if (!destinations.queue) throw new Error(`no work queue to redrive ${options.queue} letters to`);
      await destinations.queue.publish(enqueue.map((e) => e.message));
    } catch (e) {
      if (e instanceof QueuePublishError) for (const f of e.failures) failed.set(f.index, f.code);
      else for (let i = 0; i < enqueue.length; i++) failed.set(i, errorText(e));
    }
    enqueue.forEach(({ p }, i) => {
      const why = failed.get(i);
      if (why === undefined) sent.push(p);
      else leave(p, `send failed: ${why}`);
    });
  }
  for (const p of moving) {
    if (p.plan.action !== 'invoke') continue;
    try {
      if (!destinations.invoke) throw new Error('no way to deliver schedule inputs');
      await destinations.invoke(p.plan.input);
      sent.push(p);
    } catch (e) {
      leave(p, `send failed: ${errorText(e)}`);
    }
  }

  report.notDeleted = sent.length ? await source.delete(sent.map((p) => p.letter)) : [];
  for (const p of sent) report.moved.push({ id: p.letter.id, reason: p.plan.reason });
  const leftIds = new Set(report.left.map((l) => l.id));
  await source.release(letters.filter((l) => leftIds.has(l.id)));
  return report;
};
