/**
 * Fan-out, on the request path: turns one notification into work on the fan-out queue, in time bounded
 * by the request, not by the audience. Address audiences are cut into batches of `batchSize` recipients
 * (one mesibo call each); a group is one batch (one call with `gid`); all users is ONE expansion task,
 * which the worker carries out page by page (expand.ts).
 *
 * Batches are numbered in audience order, so running the fan-out again for the same notification
 * (a retried invocation) produces the same (notificationId, batch) pairs, which the worker sends once.
 */
import { type FieldError, InvalidInput, NotFound } from '../errors';
import type { QueuePublisher } from '../ports';
import type { ExpansionTask, FanoutBatch } from './fanout-message';
import type { FindGid, NotifyMetrics, StatusStore } from './ports';
import { type Audience, audienceOf, DEFAULT_DELIVERY, type ScheduledNotification } from './schema';

export interface FanOutDeps {
  queue: QueuePublisher;
  findGid: FindGid;
  status: StatusStore;
  metrics: NotifyMetrics;
  systemSender: string;
  /** Every address `from` may name. */
  senders: readonly string[];
  /** Whether `message.url` may be `http:` as well as `https:`. */
  allowHttpUrls: boolean;
  batchSize: number;
  /** Users-table items per expansion step. */
  usersPageSize: number;
}

export type Recipients = { addresses: number } | { gid: number } | { allUsers: true };

export interface FanOutSummary {
  recipients: Recipients;
  /** Absent for all users: known once the expansion has read the whole table. */
  batches?: number;
}

export type IdentifiedNotification = ScheduledNotification & { notificationId: string };

/** SendMessageBatch takes at most 10 entries. */
const PUBLISH_CHUNK = 10;

export const publishAll = async (queue: QueuePublisher, bodies: readonly object[]): Promise<void> => {
  for (let i = 0; i < bodies.length; i += PUBLISH_CHUNK) {
    await queue.publish(bodies.slice(i, i + PUBLISH_CHUNK).map((b) => ({ body: JSON.stringify(b) })));
  }
};

/** `to` cut into batches of `size`, numbered from `first`. */
export const batchesFrom = (
  base: Omit<FanoutBatch, 'batch' | 'to' | 'gid'>,
  to: readonly string[],
  first: number,
  size: number,
): FanoutBatch[] =>
  Array.from({ length: Math.ceil(to.length / size) }, (_, i) => ({
    ...base,
    batch: first + i,
    to: to.slice(i * size, (i + 1) * size),
  }));

export const groupNotFound = (key: string): NotFound =>
  new NotFound('group-not-found', `No group with key "${key}" has been synced to mesibo`, {
    fields: [{ field: 'audience.group.key', message: 'no synced group has this key' }],
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

/**
 * What the schema cannot know: `from` must be a configured system sender (anyone else would be
 * impersonated), and `message.url` must be one a client can safely open.
 */
export const checkSendable = (
  deps: Pick<FanOutDeps, 'senders' | 'allowHttpUrls'>,
  n: Pick<ScheduledNotification, 'from' | 'message'>,
): void => {
  const errors: FieldError[] = [];
  if (n.from !== undefined && !deps.senders.includes(n.from)) {
    errors.push({ field: 'from', message: `must be one of the system senders (${deps.senders.join(', ')})` });
  }
  if (n.message.url !== undefined) {
    const protocols = deps.allowHttpUrls ? ['https:', 'http:'] : ['https:'];
    if (!protocols.includes(new URL(n.message.url).protocol)) {
      errors.push({ field: 'message.url', message: `must be an ${protocols.join(' or ')} URL` });
    }
  }
  if (errors.length > 0) throw new InvalidInput(errors);
};

export const fanOut = async (deps: FanOutDeps, n: IdentifiedNotification): Promise<FanOutSummary> => {
  checkSendable(deps, n);
  const audience = await resolveAudience(deps.findGid, audienceOf(n.audience));
  const { notificationId } = n;
  const base = {
    v: 1 as const,
    notificationId,
    from: n.from ?? deps.systemSender,
    delivery: n.delivery ?? DEFAULT_DELIVERY,
    message: n.message,
  };

  if (audience.kind === 'gid') {
    await deps.status.begin(notificationId, { audience: 'group', phase: 'sending', total: 1, batches: 1 });
    await publishAll(deps.queue, [{ ...base, batch: 0, gid: audience.gid }]);
    deps.metrics.count('BatchesEnqueued', 1);
    return { recipients: { gid: audience.gid }, batches: 1 };
  }

  if (audience.kind === 'allUsers') {
    await deps.status.begin(notificationId, { audience: 'allUsers', phase: 'accepted' });
    const task: ExpansionTask = {
      ...base,
      kind: 'expand',
      step: 0,
      firstBatch: 0,
      recipientsBefore: 0,
      pageSize: deps.usersPageSize,
      batchSize: deps.batchSize,
    };
    await publishAll(deps.queue, [task]);
    return { recipients: { allUsers: true } };
  }

  const to = [...new Set(audience.addresses)];
  const batches = batchesFrom(base, to, 0, deps.batchSize);
  await deps.status.begin(notificationId, {
    audience: 'addresses',
    phase: 'sending',
    total: to.length,
    batches: batches.length,
  });
  await publishAll(deps.queue, batches);
  deps.metrics.count('BatchesEnqueued', batches.length);
  deps.metrics.count('RecipientsEnqueued', to.length);
  return { recipients: { addresses: to.length }, batches: batches.length };
};
