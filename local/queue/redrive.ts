/**
 * The console's redrive, by the same rules as `npm run redrive` (`shared/redrive/plan.ts`): the
 * fan-out and group-sync DLQs go back to their queue through `LocalQueue.redrive`, the scheduler DLQ
 * to send-system-message through a one-time schedule due now, as in AWS. Letters the rules keep stay
 * in the DLQ and are answered with the reason.
 */
import { randomUUID } from 'node:crypto';
import type { OneTimeScheduler } from '../../shared/ports';
import { redriveScheduleName } from '../../shared/redrive/discovery';
import { planRedrive, type RedrivePlan } from '../../shared/redrive/plan';
import type { DeadLetter, DeadLetterQueue, LocalQueue } from './local-queue';

export interface LocalRedriveResult {
  moved: number;
  left: { messageId: string; reason: string; why: string }[];
}

export type LocalRedriveTarget =
  | { queue: 'fanout' | 'group-sync'; source: LocalQueue }
  | { queue: 'scheduler'; dlq: DeadLetterQueue; scheduler: OneTimeScheduler; now: () => number };

const view = (l: DeadLetter) => ({ body: l.body, ...(l.groupId ? { groupId: l.groupId } : {}) });

export const redriveLocal = async (target: LocalRedriveTarget): Promise<LocalRedriveResult> => {
  const left: LocalRedriveResult['left'] = [];
  const plan = (l: DeadLetter): RedrivePlan => {
    const p = planRedrive(target.queue, view(l), randomUUID);
    if (p.action === 'keep') left.push({ messageId: l.messageId, reason: p.reason, why: p.why });
    return p;
  };
  if (target.queue !== 'scheduler') {
    const moved = target.source.redrive((l) => {
      const p = plan(l);
      return p.action === 'enqueue' ? p.message.body : undefined;
    });
    return { moved, left };
  }
  let moved = 0;
  for (const letter of target.dlq.list()) {
    const p = plan(letter);
    if (p.action !== 'invoke') continue;
    try {
      await target.scheduler.create({
        name: redriveScheduleName(p.input),
        at: new Date(target.now()),
        payload: p.input,
      });
    } catch (e) {
      left.push({
        messageId: letter.messageId,
        reason: p.reason,
        why: `send failed: ${(e as Error).message}`,
      });
      continue;
    }
    // Only once the schedule exists: a crash before this leaves the letter, never loses it.
    target.dlq.remove([letter.messageId]);
    moved += 1;
  }
  return { moved, left };
};
