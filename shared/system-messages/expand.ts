/**
 * One expansion step of an all-users audience, run by the fan-out worker: read one users-table page
 * from the task's cursor, enqueue its batches, then enqueue the next step from the page's
 * LastEvaluatedKey (or, after the last page, record the totals). Only then is the step settled and its
 * message acknowledged, so a crash anywhere repeats the step rather than skipping a page.
 *
 * A repeated step is harmless: the same cursor reads the same page, its batches get the same numbers
 * (counted from the checkpoint, `firstBatch`), and the worker sends each (notificationId, batch) once.
 * The step's own ledger record (`notify.expand#<id>#<step>`) makes a duplicate of a finished step,
 * such as the second copy of a next step enqueued twice, do nothing.
 */
import type { Clock, QueuePublisher } from '../ports';
import { batchesFrom, publishAll } from './fan-out';
import type { ExpansionTask } from './fanout-message';
import type { BatchLedger, NotifyMetrics, StatusStore, UserAddressPage } from './ports';

export interface ExpansionDeps {
  /** The fan-out queue. */
  queue: QueuePublisher;
  userAddressPage: UserAddressPage;
  status: StatusStore;
  ledger: BatchLedger;
  metrics: NotifyMetrics;
  clock: Clock;
  leaseSeconds: number;
}

type StepOutcome = { retry?: { detail: string; error?: unknown } };

export const expansionLedgerKey = (notificationId: string, step: number): string =>
  `notify.expand#${notificationId}#${step}`;

export const expandStep = async (deps: ExpansionDeps, task: ExpansionTask): Promise<StepOutcome> => {
  const key = expansionLedgerKey(task.notificationId, task.step);
  const leaseUntil = () => deps.clock.now() + deps.leaseSeconds * 1000;
  let attempts: number | undefined;
  const claim = await deps.ledger.claim(key, leaseUntil());
  if (claim.claimed) attempts = claim.attempts;
  else if (claim.record?.state === 'sent') return {};
  else if (claim.record?.state === 'sending' && claim.record.leaseUntil <= deps.clock.now()) {
    // The step's last attempt died midway; running it again repeats nothing that matters.
    attempts = await deps.ledger.takeOver(key, claim.record.attempts, leaseUntil());
  }
  if (attempts === undefined) return { retry: { detail: 'another attempt at this step is under way' } };

  try {
    await runStep(deps, task);
  } catch (e) {
    await deps.ledger.settle(key, attempts, 'retry');
    return { retry: { detail: 'the expansion step failed', error: errorDetail(e) } };
  }
  await deps.ledger.settle(key, attempts, 'sent');
  return {};
};

const runStep = async (deps: ExpansionDeps, task: ExpansionTask) => {
  const {
    kind: _kind,
    step,
    cursor,
    firstBatch,
    recipientsBefore,
    lastAddress,
    pageSize,
    batchSize,
    ...base
  } = task;
  await deps.status.expanding(task.notificationId);
  const page = await deps.userAddressPage({ cursor, pageSize });
  const addresses = page.addresses[0] === lastAddress ? page.addresses.slice(1) : page.addresses;
  const batches = batchesFrom(base, addresses, firstBatch, batchSize);
  await publishAll(deps.queue, batches);
  deps.metrics.count('BatchesEnqueued', batches.length);
  deps.metrics.count('RecipientsEnqueued', addresses.length);
  const recipients = recipientsBefore + addresses.length;
  const nextBatch = firstBatch + batches.length;
  if (page.next) {
    const next: ExpansionTask = {
      ...task,
      step: step + 1,
      cursor: page.next,
      firstBatch: nextBatch,
      recipientsBefore: recipients,
      lastAddress: addresses.at(-1) ?? lastAddress,
    };
    await publishAll(deps.queue, [next]);
  } else {
    await deps.status.expanded(task.notificationId, { total: recipients, batches: nextBatch });
  }
};

const errorDetail = (e: unknown) => ({
  name: e instanceof Error ? e.name : 'Error',
  message: e instanceof Error ? e.message : String(e),
});
