/**
 * What the worker and the route remember about groups and deliveries (the port; DynamoDB in
 * dynamo-state.ts). Kept to single-item conditional writes and batch operations: the apply algorithm
 * is ordered so that any prefix of its writes is a state a retry can finish from (docs/group-sync.md
 * says why no transactions are used).
 */

import type { GroupVersions, MemberRecord, MemberRecords } from './ordering';
import type { GroupEventType } from './schema';

/**
 * One groupeditmembers call that was started and not yet confirmed. It is kept on the group's meta
 * item until the members are recorded; whoever touches the group next sends it again (adds and
 * removals are idempotent at mesibo) before anything else.
 */
export interface EditIntent {
  id: string;
  gid: number;
  kind: 'add' | 'remove';
  /** Rights of the added members (0 for a removal). */
  mask: number;
  addresses: string[];
  /** Version the members are recorded with. */
  version: number;
  /** How removed members are recorded: a tombstone with `version`, or no item. */
  removal: 'tombstone' | 'drop';
  /** Present members this edit adds (negative: removes). */
  countDelta: number;
}

export interface GroupMeta {
  key: string;
  /** mesibo's group id, once groupadd has succeeded and been recorded. */
  gid?: number;
  /** The name last applied at mesibo. */
  name?: string;
  /** Survive a delete (in the tombstone), so older events stay stale. */
  versions: GroupVersions;
  /** Present members as recorded. */
  memberCount: number;
  /** The last delivery whose group-level writes were done (its status may still be unwritten). */
  lastDeliveryId?: string;
  /** A groupadd in flight (or interrupted): who started it and until when it is theirs. */
  creating?: { attemptId: string; until: number };
  /** A groupdel was started; a retry treats "no such group" from mesibo as done. */
  deleting?: boolean;
  /** The mesibo group was deleted (the item is a tombstone with the versions). */
  deleted?: boolean;
  intents: EditIntent[];
}

export type DeliveryStatus =
  /** Accepted and enqueued; the worker has not finished it. */
  | 'queued'
  | 'applied'
  /** At or below the group's last upsert or delete version: acknowledged, ignored. */
  | 'stale'
  /** Valid on its own but not applicable (e.g. the result would exceed GROUP_MAX_MEMBERS). */
  | 'rejected';

export interface DeliveryRecord {
  id: string;
  status: DeliveryStatus;
  key: string;
  type: GroupEventType;
  version: number;
  /** Epoch ms. */
  receivedAt: number;
  detail?: string;
}

export interface GroupStateStore {
  getMeta(key: string): Promise<GroupMeta | undefined>;
  /**
   * Takes the right to call groupadd for `key`. Succeeds only when no gid is recorded and the creation
   * marker is absent or still carries `takeOverFrom` (an earlier attempt whose lease ran out).
   */
  claimCreation(
    key: string,
    claim: { attemptId: string; until: number },
    takeOverFrom?: string,
  ): Promise<boolean>;
  /** Gives the claim up (groupadd certainly created nothing), if `attemptId` still holds it. */
  releaseCreation(key: string, attemptId: string): Promise<void>;
  /** Records the gid and name, only for the attempt that holds the creation claim. */
  recordGid(key: string, attemptId: string, gid: number, name: string | undefined): Promise<void>;
  recordName(key: string, name: string): Promise<void>;
  markDeleting(key: string): Promise<void>;
  /** Every member record of the group (an upsert or a delete needs them all). */
  loadMembers(key: string): Promise<MemberRecords>;
  /** The records of just these members: a delta reads only what it names. */
  getMembers(key: string, addresses: readonly string[]): Promise<MemberRecords>;
  writeMembers(
    key: string,
    change: { puts?: { address: string; record: MemberRecord }[]; drops?: string[] },
  ): Promise<void>;
  addIntent(key: string, intent: EditIntent): Promise<void>;
  /**
   * Removes the intent and counts its members in, in one write; false (and no count) when it was
   * already finished.
   */
  finishIntent(key: string, intent: EditIntent): Promise<boolean>;
  /** Records the group versions after an event, and the event as the last one done. */
  finishEvent(key: string, versions: GroupVersions, deliveryId: string): Promise<void>;
  /** Replaces the group with a tombstone: no gid, name or count; the versions kept. */
  dropGroup(key: string, versions: GroupVersions, deliveryId: string): Promise<void>;
  getDelivery(id: string): Promise<DeliveryRecord | undefined>;
  /** Creates the record unless one exists; returns the existing one when it does. */
  createDelivery(record: DeliveryRecord): Promise<DeliveryRecord | undefined>;
  setDeliveryStatus(record: DeliveryRecord): Promise<void>;
}
