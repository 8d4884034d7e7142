/**
 * Fan-out: turns one notification into batches on the fan-out queue. Address audiences are cut into
 * batches of `batchSize` recipients (one mesibo call each); a group is one batch (one call with
 * `gid`). The all-users audience is streamed page by page and enqueued as it is read, so memory
 * stays bounded by one page plus one batch whatever the number of users.
 *
 * Batches are numbered in audience order, so running the fan-out again for the same notification
 * (a retried invocation) produces the same (notificationId, batch) pairs, which the worker sends once.
 */
import { ProblemError } from '../http/problem';
import type { QueueMessage, QueuePublisher } from '../ports';
import type { FanoutBatch } from './fanout-message';
import type { FindGid, NotifyMetrics, SenderRegistry, UserAddressPages } from './ports';
import { type Audience, audienceOf, DEFAULT_DELIVERY, type ScheduledNotification } from './schema';

export interface FanOutDeps {
  queue: QueuePublisher;
  findGid: FindGid;
  userAddressPages: UserAddressPages;
  sender: SenderRegistry;
  metrics: NotifyMetrics;
  systemSender: string;
  batchSize: number;
}

export type Recipients = { addresses: number } | { gid: number };

export interface FanOutSummary {
  recipients: Recipients;
  batches: number;
}

export type IdentifiedNotification = ScheduledNotification & { notificationId: string };

/** SendMessageBatch takes at most 10 entries. */
const PUBLISH_CHUNK = 10;

export const groupNotFound = (key: string): ProblemError =>
  new ProblemError({
    status: 404,
    code: 'group-not-found',
    title: 'Unknown group',
    detail: `No group with key "${key}" has been synced to mesibo`,
    errors: [{ field: 'audience.group.key', message: 'no synced group has this key' }],
  });

/** The audience with a group key replaced by its gid; 404 when the key is unknown. */
export const resolveAudience = async (
  findGid: FindGid,
  audience: Audience,
): Promise<Exclude<Audience, { kind: 'groupKey' }>> => {
  if (audience.kind !== 'groupKey') return audience;
  const gid = await findGid(audience.key);
  if (gid === undefined) throw groupNotFound(audience.key);
  return { kind: 'gid', gid };
};

/** Regroups pages of addresses into arrays of exactly `size` (the last one shorter). */
export async function* batchesOf(pages: AsyncIterable<string[]>, size: number): AsyncGenerator<string[]> {
  let current: string[] = [];
  for await (const page of pages) {
    for (const address of page) {
      current.push(address);
      if (current.length === size) {
        yield current;
        current = [];
      }
    }
  }
  if (current.length > 0) yield current;
}

async function* uniquePage(addresses: string[]): AsyncGenerator<string[]> {
  yield [...new Set(addresses)];
}

export const fanOut = async (deps: FanOutDeps, n: IdentifiedNotification): Promise<FanOutSummary> => {
  const audience = await resolveAudience(deps.findGid, audienceOf(n.audience));
  const from = n.from ?? deps.systemSender;
  // Only our own sender is created on demand; a caller-given `from` must already exist at mesibo.
  if (n.from === undefined) await deps.sender.ensure(from);

  const base = {
    v: 1 as const,
    notificationId: n.notificationId,
    from,
    delivery: n.delivery ?? DEFAULT_DELIVERY,
    message: n.message,
  };
  let batches = 0;
  let recipients = 0;
  let pending: QueueMessage[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    await deps.queue.publish(pending);
    pending = [];
  };
  const enqueue = async (batch: FanoutBatch) => {
    pending.push({ body: JSON.stringify(batch) });
    batches += 1;
    if (pending.length === PUBLISH_CHUNK) await flush();
  };

  if (audience.kind === 'gid') {
    await enqueue({ ...base, batch: 0, gid: audience.gid });
    await flush();
    deps.metrics.count('BatchesEnqueued', 1);
    return { recipients: { gid: audience.gid }, batches };
  }

  const pages = audience.kind === 'addresses' ? uniquePage(audience.addresses) : deps.userAddressPages();
  for await (const to of batchesOf(pages, deps.batchSize)) {
    await enqueue({ ...base, batch: batches, to });
    recipients += to.length;
  }
  await flush();
  deps.metrics.count('BatchesEnqueued', batches);
  deps.metrics.count('RecipientsEnqueued', recipients);
  return { recipients: { addresses: recipients }, batches };
};
