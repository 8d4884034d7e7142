/**
 * Every local DLQ's letters with why each died: the last error of a message SQS moved after its last
 * receive (or of a schedule Scheduler gave up on), else the `reason` and `detail` of a dead-letter
 * record our own code wrote. Bodies are shown as previews, secrets replaced.
 */
import type { DeadLetterQueue } from '../queue/local-queue';
import { bodyPreview, type Redactor } from './redact';

export interface ShownDeadLetter {
  messageId: string;
  groupId?: string;
  receiveCount: number;
  deadAt: number;
  reason: string;
  body: string;
}

export interface ShownDeadLetterQueue {
  name: string;
  /** The queue a redrive puts the letters back on (none for the scheduler's DLQ). */
  source?: string;
  letters: ShownDeadLetter[];
}

const recordReason = (body: string): string | undefined => {
  try {
    const parsed = JSON.parse(body) as { reason?: unknown; detail?: unknown };
    if (typeof parsed.reason !== 'string') return undefined;
    return typeof parsed.detail === 'string' ? `${parsed.reason}: ${parsed.detail}` : parsed.reason;
  } catch {
    return undefined;
  }
};

export const showDeadLetters = (
  queues: readonly { dlq: DeadLetterQueue; source?: string }[],
  redact: Redactor,
): ShownDeadLetterQueue[] =>
  queues.map(({ dlq, source }) => ({
    name: dlq.name,
    ...(source ? { source } : {}),
    letters: dlq.list().map((l) => ({
      messageId: l.messageId,
      ...(l.groupId ? { groupId: l.groupId } : {}),
      receiveCount: l.receiveCount,
      deadAt: l.deadAt,
      reason: redact(l.lastError ?? recordReason(l.body) ?? 'no reason recorded'),
      body: bodyPreview(Buffer.from(l.body), redact) ?? '',
    })),
  }));
