/**
 * The worker's use case: apply one group event to mesibo, touching only the difference.
 *
 * Crash safety without transactions comes from the order of writes:
 *   1. a creation claim, then groupadd, then the gid (see createGroup for the window that remains);
 *   2. per chunk: its member items marked pending (with the edit's intent), groupeditmembers, then the
 *      items it changed (adds and removes are idempotent at mesibo). A chunk interrupted anywhere is
 *      sent again by the next diff, whether that is the retry or, once the message went to the DLQ,
 *      the group's next event of any type;
 *   3. only then the applied version, and last the delivery status.
 * Any prefix of these writes is a state from which re-running the same message converges.
 */
import { isMesiboError } from '../mesibo/errors';
import type { MesiboClient } from '../mesibo/types';
import type { Clock } from '../ports';
import type { GroupSyncLogger } from './logging';
import {
  diffMembers,
  fromMask,
  intendedMembers,
  type MemberSet,
  memberSet,
  PENDING_REMOVE,
  pendingAdd,
  planEdits,
} from './members';
import type { GroupEvent, GroupSyncMessage } from './schema';
import type { DeliveryStatus, GroupMeta, GroupStateStore } from './state';

export type GroupMesibo = Pick<MesiboClient, 'groupadd' | 'groupset' | 'groupdel' | 'groupeditmembers'>;

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
  };
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
  /** groupeditmembers calls made. */
  edits: number;
}

/** Another attempt holds the right to create this group; the message is retried later. */
export class GroupBusyError extends Error {
  override readonly name = 'GroupBusyError';
  constructor(readonly key: string) {
    super(`group ${key} is being created by another attempt; retry later`);
  }
}

export const DEFAULT_CREATION_LEASE_MS = 60_000;

/** The member set the event asks for, given what is recorded now (pending edits taken as intended). */
const desiredMembers = (event: GroupEvent, applied: MemberSet): MemberSet => {
  switch (event.type) {
    case 'group.upsert':
      return memberSet(event.group.members);
    case 'group.members.add':
      return new Map([...intendedMembers(applied), ...memberSet(event.group.members)]);
    case 'group.members.remove': {
      const next = intendedMembers(applied);
      for (const { address } of event.group.members) next.delete(address);
      return next;
    }
    case 'group.delete':
      return new Map();
  }
};

/** Puts the records of `addresses` back to what they were before a chunk that mesibo refused. */
const restoreMembers = (store: GroupStateStore, key: string, before: MemberSet, addresses: string[]) =>
  store.recordMembers(key, {
    upserts: addresses.flatMap((address) => {
      const mask = before.get(address);
      return mask === undefined ? [] : [{ address, mask }];
    }),
    removes: addresses.filter((address) => !before.has(address)),
  });

/** mesibo answers an op on a group that no longer exists with an API error, not a transport one. */
const isGroupGone = (e: unknown) =>
  isMesiboError(e) && e.kind === 'api' && !e.retryable && e.error !== 'AUTHFAIL' && e.error !== 'TOKENBREACH';

export const applyGroupSyncMessage = async (
  deps: ApplyDeps,
  message: GroupSyncMessage,
): Promise<ApplyOutcome> => {
  const { store, mesibo, config } = deps;
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

  const meta = await store.getMeta(key);
  if (meta?.appliedVersion !== undefined) {
    // Finished before, but the delivery status was not written: only that is left to do.
    if (meta.appliedVersion === version && meta.appliedDeliveryId === deliveryId) return finish('applied');
    if (meta.appliedVersion >= version) {
      return finish('stale', `version ${version} is not newer than applied ${meta.appliedVersion}`);
    }
  }

  if (event.type === 'group.delete') {
    outcome.deleted = await deleteGroup(deps, key, meta);
    await store.dropGroup(key, version, deliveryId);
    return finish('applied');
  }

  const applied = meta?.gid === undefined ? new Map<string, number>() : await store.loadMembers(key);
  const desired = desiredMembers(event, applied);
  if (desired.size > config.maxMembers) {
    return finish(
      'rejected',
      `the group would have ${desired.size} members, over the maximum of ${config.maxMembers}`,
    );
  }
  const change = diffMembers(desired, applied);
  const name = event.type === 'group.upsert' ? event.group.name : undefined;

  let gid = meta?.gid;
  // A removal from a group never created needs no group.
  if (gid === undefined && event.type !== 'group.members.remove') {
    gid = await createGroup(deps, key, meta, name);
    outcome.created = true;
  } else if (gid !== undefined && name !== undefined && name !== meta?.name) {
    await mesibo.groupset({ gid, name });
    await store.recordName(key, name);
    outcome.renamed = true;
  }
  outcome.gid = gid;

  if (gid !== undefined) {
    for (const chunk of planEdits(change, config.chunkSize)) {
      const pending = chunk.kind === 'add' ? pendingAdd(chunk.mask) : PENDING_REMOVE;
      await store.recordMembers(key, {
        upserts: chunk.addresses.map((address) => ({ address, mask: pending })),
      });
      try {
        await mesibo.groupeditmembers(
          chunk.kind === 'add'
            ? { gid, addresses: chunk.addresses, permissions: fromMask(chunk.mask) }
            : { gid, addresses: chunk.addresses, remove: true },
        );
      } catch (e) {
        // An API error (result:false) means mesibo applied nothing: the records go back to what they
        // were, so a chunk mesibo refuses for good is not re-sent by every later event of the group.
        if (isMesiboError(e) && e.kind === 'api') await restoreMembers(store, key, applied, chunk.addresses);
        throw e;
      }
      if (chunk.kind === 'add') {
        await store.recordMembers(key, {
          upserts: chunk.addresses.map((address) => ({ address, mask: chunk.mask })),
        });
        outcome.added += chunk.addresses.length;
      } else {
        await store.recordMembers(key, { removes: chunk.addresses });
        outcome.removed += chunk.addresses.length;
      }
      outcome.edits++;
    }
  }

  if (!(await store.markApplied(key, version, deliveryId))) {
    return finish('stale', `a version newer than ${version} was applied meanwhile`);
  }
  return finish('applied');
};

/**
 * groupadd has no idempotency key and the hosted API cannot look a group up by anything of ours, so
 * creation is fenced instead: claim (conditional write) → groupadd → record the gid (conditional on the
 * claim). A failure to record after groupadd deletes the new group again, so the retry starts clean.
 * What remains is a hard crash (or an ambiguous groupadd timeout) in the moment between groupadd and
 * the record: the next attempt waits out the lease, takes over, and logs that an empty group with no
 * members may have been left behind. Members are only ever added to the recorded gid, so nobody can
 * end up in that group.
 */
const createGroup = async (
  { store, mesibo, clock, newId, logger, config }: ApplyDeps,
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
      {
        key,
        interruptedAttemptId: held.attemptId,
      },
    );
  }
  const { gid } = await mesibo.groupadd(name === undefined ? {} : { name });
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
