/**
 * The worker's use case: apply one group event to mesibo, touching only the difference, whatever the
 * order events arrive in (the per-member rules are in ordering.ts).
 *
 * Crash safety without transactions comes from the order of writes:
 *   1. a creation claim, then groupadd, then the gid (see createGroup for the window that remains);
 *   2. per groupeditmembers call: an intent on the group's meta item, the call, the members' records,
 *      then the intent removed (with the member count, in one write). An intent left behind by a crash
 *      or an ambiguous mesibo failure is sent again, before anything else, by whichever attempt touches
 *      the group next: the retry, or once the message went to the DLQ, the group's next event;
 *   3. only then the group's versions, and last the delivery status.
 * Any prefix of these writes is a state from which re-running the same message converges.
 */
import { isMesiboError } from '../mesibo/errors';
import type { MesiboClient } from '../mesibo/types';
import type { Clock } from '../ports';
import { AppTokenUnsetError } from '../secrets/app-token';
import type { GroupSyncLogger } from './logging';
import { type EditChunk, fromMask, planEdits } from './members';
import {
  advanceVersions,
  floorOf,
  groupExists,
  isStale,
  type MemberPlan,
  type MemberRecords,
  planMembers,
} from './ordering';
import type { DeliveryStatus, EditIntent, GroupMeta, GroupStateStore } from './ports';
import type { GroupEvent, GroupSyncMessage } from './schema';

export type GroupMesibo = Pick<MesiboClient, 'groupadd' | 'groupset' | 'groupdel' | 'groupeditmembers'>;

/**
 * The points between the worker's steps where a fault simulation may stop it (by throwing). Production
 * wiring passes no hook, so these are inert there.
 */
export type ApplyCheckpoint =
  | 'before-groupadd'
  | 'after-groupadd'
  | 'intent-recorded'
  | 'edit-sent'
  | 'members-recorded'
  | 'edits-done'
  | 'versions-recorded';

export interface ApplyDeps {
  store: GroupStateStore;
  mesibo: GroupMesibo;
  clock: Clock;
  newId: () => string;
  logger: GroupSyncLogger;
  config: {
    chunkSize: number;
    maxMembers: number;
    /** How long a groupadd attempt owns the creation of a group (longer than one mesibo call with retries). */
    creationLeaseMs: number;
    /** groupeditmembers calls of one event in flight at once. */
    editsInFlight: number;
  };
  checkpoint?: (point: ApplyCheckpoint) => void | Promise<void>;
}

export interface ApplyOutcome {
  deliveryId: string;
  key: string;
  type: GroupEvent['type'];
  version: number;
  /** `duplicate`: the delivery had already been finished (as `previous`). */
  status: Exclude<DeliveryStatus, 'queued'> | 'duplicate';
  previous?: DeliveryStatus;
  detail?: string;
  gid?: number;
  created?: boolean;
  renamed?: boolean;
  deleted?: boolean;
  added: number;
  removed: number;
  /** groupeditmembers calls made for this event (intents of earlier attempts excluded). */
  edits: number;
  /** Unconfirmed edits of an earlier attempt sent again first. */
  resent?: number;
}

/** Another attempt holds the right to create this group; the message is retried later. */
export class GroupBusyError extends Error {
  override readonly name = 'GroupBusyError';
  constructor(readonly key: string) {
    super(`group ${key} is being created by another attempt; retry later`);
  }
}

export const DEFAULT_EDITS_IN_FLIGHT = 4;

/** mesibo certainly changed nothing (result:false, 429, never reached, no app token): safe to forget the attempt. */
const certainlyNotApplied = (e: unknown) =>
  e instanceof AppTokenUnsetError || (isMesiboError(e) && !e.mayHaveApplied);

/** mesibo answers an op on a group that no longer exists with an API error, not a transport one. */
const isGroupGone = (e: unknown) =>
  isMesiboError(e) && e.kind === 'api' && !e.retryable && e.error !== 'AUTHFAIL' && e.error !== 'TOKENBREACH';

/** Runs `task` over `items`, at most `limit` at once; after a failure starts no more, then rethrows it. */
const runBounded = async <T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>) => {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (!failure && next < items.length) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw failure.error;
};

const sendEdit = (mesibo: GroupMesibo, intent: EditIntent) =>
  mesibo.groupeditmembers(
    intent.kind === 'add'
      ? { gid: intent.gid, addresses: intent.addresses, permissions: fromMask(intent.mask) }
      : { gid: intent.gid, addresses: intent.addresses, remove: true },
  );

/** Records what a confirmed edit changed, then drops its intent (counting its members in). */
const recordEdit = async (store: GroupStateStore, key: string, intent: EditIntent) => {
  if (intent.kind === 'add') {
    await store.writeMembers(key, {
      puts: intent.addresses.map((address) => ({
        address,
        record: { mask: intent.mask, version: intent.version, present: true },
      })),
    });
  } else if (intent.removal === 'tombstone') {
    await store.writeMembers(key, {
      puts: intent.addresses.map((address) => ({
        address,
        record: { mask: 0, version: intent.version, present: false },
      })),
    });
  } else {
    await store.writeMembers(key, { drops: intent.addresses });
  }
};

/**
 * Sends again the edits an earlier attempt left unconfirmed, so the records match mesibo before this
 * event is planned. Returns the meta as it is afterwards.
 *
 * An intent is only ever finished once its edit is confirmed. A resend that mesibo refuses proves
 * nothing about the first send, which may have applied (and its records may already be written), so
 * the intent stays and the message fails: dropping it would leave the records or the member count
 * apart from mesibo for good.
 */
const settleIntents = async (deps: ApplyDeps, meta: GroupMeta): Promise<GroupMeta> => {
  const { store, mesibo, config } = deps;
  await runBounded(meta.intents, config.editsInFlight, async (intent) => {
    if (intent.gid !== meta.gid) {
      await store.finishIntent(meta.key, { ...intent, countDelta: 0 });
      return;
    }
    await sendEdit(mesibo, intent);
    await recordEdit(store, meta.key, intent);
    await store.finishIntent(meta.key, intent);
  });
  const after = await store.getMeta(meta.key);
  if (!after) throw new Error(`group ${meta.key} vanished while its edits were settled`);
  return after;
};

export const applyGroupSyncMessage = async (
  deps: ApplyDeps,
  message: GroupSyncMessage,
): Promise<ApplyOutcome> => {
  const { store, config } = deps;
  const checkpoint = deps.checkpoint ?? (() => {});
  const { deliveryId, event } = message;
  const { key, version } = event.group;
  const outcome: ApplyOutcome = {
    deliveryId,
    key,
    type: event.type,
    version,
    status: 'applied',
    added: 0,
    removed: 0,
    edits: 0,
  };

  const finish = async (
    status: Exclude<DeliveryStatus, 'queued'>,
    detail?: string,
  ): Promise<ApplyOutcome> => {
    await store.setDeliveryStatus({
      id: deliveryId,
      status,
      key,
      type: event.type,
      version,
      receivedAt: message.receivedAt,
      detail,
    });
    return { ...outcome, status, ...(detail ? { detail } : {}) };
  };

  const delivery = await store.getDelivery(deliveryId);
  if (delivery && delivery.status !== 'queued') {
    return { ...outcome, status: 'duplicate', previous: delivery.status };
  }

  let meta = await store.getMeta(key);
  // Its group-level writes were done; only the delivery status was left.
  if (meta?.lastDeliveryId === deliveryId) return finish('applied');
  if (meta?.intents.length) {
    outcome.resent = meta.intents.length;
    meta = await settleIntents(deps, meta);
  }
  const versions = meta?.versions ?? {};
  if (isStale(versions, event)) {
    return finish(
      'stale',
      `version ${version} is not above the group's last upsert or delete (${floorOf(versions)})`,
    );
  }
  if (version <= floorOf(versions) && event.type === 'group.upsert' && event.group.name !== undefined) {
    // Its members are decided by a newer upsert without a name; its name is still the newest.
    if (meta?.gid !== undefined && event.group.name !== meta.name) {
      await deps.mesibo.groupset({ gid: meta.gid, name: event.group.name });
      await store.recordName(key, event.group.name);
      outcome.renamed = true;
    }
    await store.finishEvent(key, { ...versions, name: version }, deliveryId);
    return finish('applied');
  }

  const records: MemberRecords =
    event.type === 'group.upsert' || event.type === 'group.delete'
      ? await store.loadMembers(key)
      : await store.getMembers(
          key,
          event.group.members.map((m) => m.address),
        );
  const plan = planMembers(event, records);
  const count = (meta?.memberCount ?? 0) + plan.countDelta;
  if (plan.countDelta > 0 && count > config.maxMembers) {
    return finish(
      'rejected',
      `the group would have ${count} members, over the maximum of ${config.maxMembers}`,
    );
  }
  const next = advanceVersions(versions, event);

  if (event.type === 'group.delete' && !groupExists(next)) {
    outcome.deleted = await deleteGroup(deps, key, meta);
    outcome.removed = plan.change.removes.length;
    await store.writeMembers(key, { drops: [...plan.change.removes, ...plan.drops] });
    await checkpoint('edits-done');
    await store.dropGroup(key, next, deliveryId);
    await checkpoint('versions-recorded');
    return finish('applied');
  }

  const name = event.type === 'group.upsert' ? event.group.name : undefined;
  let gid = meta?.gid;
  if (gid === undefined && groupExists(next)) {
    gid = await createGroup(deps, key, meta, name);
    outcome.created = true;
  } else if (
    gid !== undefined &&
    name !== undefined &&
    version > (versions.name ?? -1) &&
    name !== meta?.name
  ) {
    await deps.mesibo.groupset({ gid, name });
    await store.recordName(key, name);
    outcome.renamed = true;
  }
  outcome.gid = gid;

  // Without a group (a removal from one that does not exist) nobody is present, so nothing is sent.
  if (gid !== undefined) await runEdits(deps, key, gid, plan, version, outcome);
  await store.writeMembers(key, { puts: plan.puts, drops: plan.drops });
  await checkpoint('edits-done');
  await store.finishEvent(key, next, deliveryId);
  await checkpoint('versions-recorded');
  return finish('applied');
};

/** Adds (a bounded number at once), then removals: if a run stops half way, who belongs is already in. */
const runEdits = async (
  deps: ApplyDeps,
  key: string,
  gid: number,
  plan: MemberPlan,
  version: number,
  outcome: ApplyOutcome,
) => {
  const { store, mesibo, newId, config } = deps;
  const checkpoint = deps.checkpoint ?? (() => {});
  const chunks = planEdits(plan.change, config.chunkSize);
  const run = async (chunk: EditChunk) => {
    const intent: EditIntent = {
      id: newId(),
      gid,
      kind: chunk.kind,
      mask: chunk.kind === 'add' ? chunk.mask : 0,
      addresses: chunk.addresses,
      version,
      removal: plan.removal,
      countDelta: chunk.kind === 'add' ? chunk.joins : -chunk.addresses.length,
    };
    await store.addIntent(key, intent);
    await checkpoint('intent-recorded');
    try {
      await sendEdit(mesibo, intent);
    } catch (e) {
      // Certainly not applied: nothing to send again. Otherwise the intent stays for the next attempt.
      if (certainlyNotApplied(e)) await store.finishIntent(key, { ...intent, countDelta: 0 });
      throw e;
    }
    await checkpoint('edit-sent');
    await recordEdit(store, key, intent);
    await checkpoint('members-recorded');
    await store.finishIntent(key, intent);
    outcome.edits++;
    if (chunk.kind === 'add') outcome.added += chunk.addresses.length;
    else outcome.removed += chunk.addresses.length;
  };
  await runBounded(
    chunks.filter((c) => c.kind === 'add'),
    config.editsInFlight,
    run,
  );
  await runBounded(
    chunks.filter((c) => c.kind === 'remove'),
    config.editsInFlight,
    run,
  );
};

/**
 * groupadd has no idempotency key and the hosted API cannot look a group up by anything of ours, so
 * creation is fenced instead: claim (conditional write) → groupadd → record the gid (conditional on the
 * claim). A groupadd that certainly created nothing gives the claim up, so the retry creates at once.
 * A failure to record after groupadd deletes the new group again, so the retry starts clean. What
 * remains is a hard crash (or an ambiguous groupadd failure) between groupadd and the record: the next
 * attempt waits out the lease, takes over, and logs that an empty group may have been left behind.
 * Members are only ever added to the recorded gid, so nobody can end up in that group.
 */
const createGroup = async (
  { store, mesibo, clock, newId, logger, config, checkpoint = () => {} }: ApplyDeps,
  key: string,
  meta: GroupMeta | undefined,
  name: string | undefined,
): Promise<number> => {
  const now = clock.now();
  const held = meta?.creating;
  if (held && held.until > now) throw new GroupBusyError(key);
  const attemptId = newId();
  if (
    !(await store.claimCreation(key, { attemptId, until: now + config.creationLeaseMs }, held?.attemptId))
  ) {
    throw new GroupBusyError(key);
  }
  if (held) {
    logger.warn(
      'group creation taken over from an interrupted attempt; it may have left an empty group at mesibo',
      { key, interruptedAttemptId: held.attemptId },
    );
  }
  await checkpoint('before-groupadd');
  let gid: number;
  try {
    ({ gid } = await mesibo.groupadd(name === undefined ? {} : { name }));
  } catch (e) {
    if (certainlyNotApplied(e)) await store.releaseCreation(key, attemptId);
    throw e;
  }
  await checkpoint('after-groupadd');
  try {
    await store.recordGid(key, attemptId, gid, name);
  } catch (e) {
    try {
      await mesibo.groupdel({ gid });
    } catch {
      logger.error('orphan group: created at mesibo but its gid could not be recorded or the group deleted', {
        key,
        gid,
      });
    }
    throw e;
  }
  return gid;
};

/** Deletes the group at mesibo if one was recorded; true when a mesibo group was deleted (now or before). */
const deleteGroup = async (
  { store, mesibo, logger }: ApplyDeps,
  key: string,
  meta: GroupMeta | undefined,
): Promise<boolean> => {
  if (meta?.creating) {
    logger.warn('group deleted while a creation was unfinished; an empty group may be left at mesibo', {
      key,
      interruptedAttemptId: meta.creating.attemptId,
    });
  }
  if (meta?.gid === undefined) return false;
  if (!meta.deleting) await store.markDeleting(key);
  try {
    await mesibo.groupdel({ gid: meta.gid });
  } catch (e) {
    // An earlier attempt may have deleted it and stopped before dropping the records.
    if (!(meta.deleting && isGroupGone(e))) throw e;
    logger.info('group already gone at mesibo; finishing an interrupted delete', { key, gid: meta.gid });
  }
  return true;
};
