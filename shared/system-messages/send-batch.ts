/**
 * The fan-out worker's use case: send one batch to mesibo at most once per our own retries.
 *
 * Every batch (and every half of a split batch) has a record in the batch ledger. An attempt is
 * claimed before calling mesibo and settled afterwards, so a redelivered SQS message finds the batch
 * already `sent` and does nothing. A claim whose lease ran out without an outcome means a worker died
 * mid-call: mesibo may or may not have sent it. `at-most-once` notifications then report it (metric,
 * log, DLQ record) and never resend; `at-least-once` ones send again.
 *
 * mesibo refusing a multi-recipient batch in a way that may be about a recipient splits it in halves,
 * recursively, so the bad recipients are isolated, counted and reported while the others get the
 * message; a refusal is never retried.
 *
 * Every final outcome is counted in the notification's status (status-store.ts) after it is settled;
 * a batch found already settled is counted again, which the store ignores unless the first count was
 * lost to a crash. The same queue carries the expansion steps of all-users audiences (expand.ts).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { MesiboClient, MessageInput } from '../mesibo/types';
import type { Clock, RedeliveryDelay } from '../ports';
import { type ExpansionDeps, expandStep } from './expand';
import { classifyFailure, failureDetail, mayBlameRecipients } from './failure';
import {
  type DeadLetterReason,
  type ExpansionTask,
  ExpansionTaskSchema,
  type FanoutBatch,
  FanoutBatchSchema,
} from './fanout-message';
import type {
  BatchLedger,
  BatchState,
  CountedOutcome,
  DeadLetters,
  NotifyMetrics,
  SenderRegistry,
  StatusStore,
} from './ports';
import { retryDelaySeconds } from './retry';

export interface WorkerDeps extends ExpansionDeps {
  mesibo: MesiboClient;
  /** Creates a batch's sender at mesibo on first use. */
  sender: SenderRegistry;
  status: StatusStore;
  ledger: BatchLedger;
  deadLetters: DeadLetters;
  redelivery: RedeliveryDelay;
  metrics: NotifyMetrics;
  logger: Logger;
  clock: Clock;
  random: () => number;
  /** Deliveries of one batch before it is dead-lettered. */
  maxAttempts: number;
  retryBaseSeconds: number;
  /** How long a started attempt is presumed alive. */
  leaseSeconds: number;
}

/** One SQS message of the fan-out queue. */
export interface BatchDelivery {
  body: string;
  /** SQS ApproximateReceiveCount: 1 on the first delivery. */
  receiveCount: number;
  receiptHandle: string;
  eventSourceARN: string;
}

/** Thrown to have the SQS message delivered again later (reported as a batch item failure). */
export class RetryLater extends Error {
  override readonly name = 'RetryLater';
}

type Target = { to: string[] } | { gid: number };
/**
 * `pending`: recipients of the parts still to be sent (a group counts as one). `notBefore` (epoch ms):
 * a retry before then cannot succeed (another attempt holds the batch).
 */
export type PartOutcome = {
  retry?: { detail: string; error?: unknown; pending: number; notBefore?: number };
};

const size = (target: Target) => ('to' in target ? target.to.length : 1);

export const batchLedgerKey = (notificationId: string, part: string): string =>
  `notify.batch#${notificationId}#${part}`;

export const deliverBatch = async (deps: WorkerDeps, delivery: BatchDelivery): Promise<void> => {
  const parsed = parseMessage(delivery.body);
  if (!parsed.ok) {
    await deadLetter(deps, 'invalid-batch', parsed.detail, { original: delivery.body });
    return;
  }
  const { data } = parsed;
  if ('kind' in data) return deliverExpansion(deps, delivery, data);
  const target: Target = data.to ? { to: data.to } : { gid: data.gid! };
  let outcome: PartOutcome;
  try {
    await deps.sender.ensure(data.from);
    outcome = await sendPart(deps, data, String(data.batch), target);
    if (!outcome.retry) await deps.status.countBatchDone(data.notificationId, data.batch);
  } catch (e) {
    // Ledger, queue or useradd trouble: nothing is known to be wrong with the batch itself.
    outcome = {
      retry: {
        detail: 'the attempt failed before its outcome was recorded',
        error: failureDetail(e),
        pending: size(target),
      },
    };
  }
  if (!outcome.retry) return;
  const context = { notificationId: data.notificationId, batch: String(data.batch), original: data };
  await retryOrGiveUp(deps, delivery, context, outcome.retry);
  // Given up: its pending recipients are not coming, and the status must say so.
  await deps.status.countDeadLettered(data.notificationId, data.batch, outcome.retry.pending);
};

const deliverExpansion = async (deps: WorkerDeps, delivery: BatchDelivery, task: ExpansionTask) => {
  const outcome = await expandStep(deps, task);
  if (!outcome.retry) return;
  const context = { notificationId: task.notificationId, batch: `expand.${task.step}`, original: task };
  await retryOrGiveUp(deps, delivery, context, outcome.retry);
  await deps.status.expansionFailed(task.notificationId);
};

/** Schedules the message's redelivery and throws RetryLater, or, at the last attempt, dead-letters it. */
const retryOrGiveUp = async (
  deps: WorkerDeps,
  delivery: BatchDelivery,
  context: { notificationId: string; batch: string; original: unknown },
  retry: { detail: string; error?: unknown; notBefore?: number },
): Promise<void> => {
  if (delivery.receiveCount >= deps.maxAttempts) {
    await deadLetter(deps, 'attempts-exhausted', retry.detail, {
      ...context,
      error: retry.error,
      attempts: delivery.receiveCount,
    });
    return;
  }
  // An attempt that died mid-call holds the batch until its lease ends; retrying sooner would only
  // spend the receive budget and dead-letter work nobody sent.
  const untilFree = retry.notBefore ? Math.ceil((retry.notBefore - deps.clock.now()) / 1000) + 1 : 0;
  const seconds = Math.max(
    untilFree,
    retryDelaySeconds(delivery.receiveCount, deps.retryBaseSeconds, deps.random),
  );
  try {
    await deps.redelivery.delay(delivery, seconds);
  } catch (e) {
    // The queue's own visibility timeout still brings it back, only sooner or later than planned.
    deps.logger.warn('could not delay the retry of a batch', { ...context, original: undefined, error: e });
  }
  deps.metrics.count('BatchesRetried');
  deps.logger.warn('batch will be retried', {
    notificationId: context.notificationId,
    batch: context.batch,
    attempt: delivery.receiveCount,
    delaySeconds: seconds,
    detail: retry.detail,
    error: retry.error,
  });
  throw new RetryLater(retry.detail);
};

const parseMessage = (
  body: string,
): { ok: true; data: FanoutBatch | ExpansionTask } | { ok: false; detail: string } => {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, detail: 'the message body is not JSON' };
  }
  const isTask = typeof json === 'object' && json !== null && 'kind' in json;
  const parsed = isTask ? ExpansionTaskSchema.safeParse(json) : FanoutBatchSchema.safeParse(json);
  if (parsed.success) return { ok: true, data: parsed.data };
  return {
    ok: false,
    detail: parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
  };
};

/** Counts a part's final outcome in the notification's status. */
const count = (deps: WorkerDeps, batch: FanoutBatch, part: string, outcome: CountedOutcome) =>
  deps.status.countPart(batch.notificationId, batch.batch, part, outcome);

const countSettled = (
  deps: WorkerDeps,
  batch: FanoutBatch,
  part: string,
  target: Target,
  state: BatchState,
): Promise<void> | undefined => {
  const recipients = size(target);
  if (state === 'sent') return count(deps, batch, part, { state: 'sent', recipients });
  if (state === 'rejected')
    return count(deps, batch, part, { state: 'failed', recipients, reason: 'rejected' });
  if (state === 'unknown') {
    return count(deps, batch, part, { state: 'unknown', recipients, reason: 'outcome-unknown' });
  }
  return undefined;
};

const sendPart = async (deps: WorkerDeps, batch: FanoutBatch, part: string, target: Target) => {
  const key = batchLedgerKey(batch.notificationId, part);
  const leaseUntil = () => deps.clock.now() + deps.leaseSeconds * 1000;
  const claim = await deps.ledger.claim(key, leaseUntil());
  if (claim.claimed) return attemptSend(deps, batch, part, target, key, claim.attempts);

  const { record } = claim;
  const lookAgain: PartOutcome = {
    retry: { detail: 'the batch record changed meanwhile; looking again', pending: size(target) },
  };
  if (!record) return lookAgain;
  switch (record.state) {
    case 'split':
      return sendHalves(deps, batch, part, target);
    case 'retry':
      return lookAgain;
    case 'sending': {
      if (record.leaseUntil > deps.clock.now()) {
        return {
          retry: {
            detail: 'another attempt at this batch is under way',
            pending: size(target),
            notBefore: record.leaseUntil,
          },
        };
      }
      // The attempt that claimed it ended without an outcome (a crash or timeout mid-call).
      if (batch.delivery === 'at-most-once') {
        const reason = 'an earlier attempt ended without recording whether mesibo sent it';
        if (!(await deps.ledger.settle(key, record.attempts, 'unknown', { reason }))) return lookAgain;
        await countSettled(deps, batch, part, target, 'unknown');
        await reportUnknown(deps, batch, part, target, reason);
        return {};
      }
      const attempts = await deps.ledger.takeOver(key, record.attempts, leaseUntil());
      if (attempts === undefined) return lookAgain;
      deps.metrics.count('BatchesResentAfterUnknownOutcome');
      return attemptSend(deps, batch, part, target, key, attempts);
    }
    default:
      // Counted again in case the attempt that settled it died before counting it.
      await countSettled(deps, batch, part, target, record.state);
      deps.metrics.count('BatchesDuplicateSuppressed');
      deps.logger.info('batch already handled; not sent again', {
        notificationId: batch.notificationId,
        batch: part,
        state: record.state,
      });
      return {};
  }
};

const attemptSend = async (
  deps: WorkerDeps,
  batch: FanoutBatch,
  part: string,
  target: Target,
  key: string,
  attempts: number,
): Promise<PartOutcome> => {
  const { message } = batch;
  const input: MessageInput = {
    from: batch.from,
    ...('to' in target ? { to: target.to } : { gid: target.gid }),
    message: message.text,
    title: message.title,
    url: message.url,
    type: message.type,
    expirySeconds: message.expirySeconds,
  };
  const settle = async (state: Exclude<BatchState, 'sending'>, detail: Record<string, unknown>) => {
    if (await deps.ledger.settle(key, attempts, state, detail)) {
      await countSettled(deps, batch, part, target, state);
      return;
    }
    // The attempt that took over counts its own outcome.
    deps.logger.warn('batch outcome not recorded: the attempt was taken over', {
      notificationId: batch.notificationId,
      batch: part,
      state,
    });
  };
  try {
    const result = await deps.mesibo.message(input, { retryUnsafe: batch.delivery === 'at-least-once' });
    await settle('sent', { mid: result.mid });
    deps.metrics.count('BatchesSent');
    if ('to' in target) deps.metrics.count('RecipientsSent', target.to.length);
    deps.logger.info('batch sent', {
      notificationId: batch.notificationId,
      batch: part,
      recipients: 'to' in target ? target.to.length : { gid: target.gid },
    });
    return {};
  } catch (e) {
    const failure = classifyFailure(e);
    const error = failureDetail(e);
    if (failure === 'rejected') {
      if ('to' in target && target.to.length > 1 && mayBlameRecipients(e)) {
        await settle('split', { error });
        deps.metrics.count('BatchesSplit');
        return sendHalves(deps, batch, part, target);
      }
      await settle('rejected', { error });
      if ('to' in target) deps.metrics.count('RecipientsRejected', target.to.length);
      else deps.metrics.count('BatchesRejected');
      deps.logger.warn('mesibo refused a batch; not retried', {
        notificationId: batch.notificationId,
        batch: part,
        ...target,
        error,
      });
      return {};
    }
    if (failure === 'not-sent' || batch.delivery === 'at-least-once') {
      await settle('retry', { error });
      return { retry: { detail: `mesibo message failed (${failure})`, error, pending: size(target) } };
    }
    await settle('unknown', { error });
    await reportUnknown(deps, batch, part, target, 'mesibo may or may not have sent it', error);
    return {};
  }
};

const sendHalves = async (
  deps: WorkerDeps,
  batch: FanoutBatch,
  part: string,
  target: Target,
): Promise<PartOutcome> => {
  if (!('to' in target)) return {};
  const middle = Math.ceil(target.to.length / 2);
  const first = await sendPart(deps, batch, `${part}.0`, { to: target.to.slice(0, middle) });
  const second = await sendPart(deps, batch, `${part}.1`, { to: target.to.slice(middle) });
  if (!first.retry) return second;
  if (!second.retry) return first;
  return { retry: { ...first.retry, pending: first.retry.pending + second.retry.pending } };
};

const reportUnknown = async (
  deps: WorkerDeps,
  batch: FanoutBatch,
  part: string,
  target: Target,
  detail: string,
  error?: unknown,
) => {
  deps.metrics.count('BatchesOutcomeUnknown');
  const { to: _to, gid: _gid, ...rest } = batch;
  const extra = {
    notificationId: batch.notificationId,
    batch: part,
    original: { ...rest, ...target },
    error,
  };
  try {
    await deadLetter(deps, 'outcome-unknown', `${detail}; not resent (at-most-once)`, extra);
  } catch (e) {
    // The outcome is already final in the ledger, so a retry would not report again: keep it in the log.
    deps.logger.error('could not write the dead-letter record', { ...extra, detail, error: e });
  }
};

const deadLetter = async (
  deps: WorkerDeps,
  reason: DeadLetterReason,
  detail: string,
  extra: { notificationId?: string; batch?: string; original: unknown; error?: unknown; attempts?: number },
) => {
  const record = { reason, detail, ...extra, at: new Date(deps.clock.now()).toISOString() };
  // A failure here fails the SQS message, so the queue's own redrive still catches it.
  await deps.deadLetters.put(record);
  deps.metrics.count('BatchesDeadLettered');
  deps.logger.error('batch dead-lettered', { ...record, original: undefined });
};
