/**
 * What the worker and the route remember about groups and deliveries (the port; DynamoDB in
 * dynamo-state.ts). Kept to single-item conditional writes and batch writes because DynamoDB Local
 * stand-ins (dynalite) have no transactions; the apply algorithm is ordered so that any prefix of
 * its writes is a state a retry can finish from.
 */

import type { MemberSet } from './members';
import type { GroupEventType } from './schema';

export interface GroupMeta {
  key: string;
  /** mesibo's group id, once groupadd has succeeded and been recorded. */
  gid?: number;
  /** The name last applied at mesibo. */
  name?: string;
  /** Highest version applied; older events are stale. Survives a delete (as a tombstone). */
  appliedVersion?: number;
  appliedDeliveryId?: string;
  /** A groupadd in flight (or interrupted): who started it and until when it is theirs. */
  creating?: { attemptId: string; until: number };
  /** A groupdel was started; a retry treats "no such group" from mesibo as done. */
  deleting?: boolean;
  /** The group was deleted at `appliedVersion`. */
  deleted?: boolean;
}

export type DeliveryStatus =
  /** Accepted and enqueued; the worker has not finished it. */
  | 'queued'
  | 'applied'
  /** Older than (or as old as) what was applied for the group: acknowledged, ignored. */
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
  /** Records the gid and name, only for the attempt that holds the creation claim. */
  recordGid(key: string, attemptId: string, gid: number, name: string | undefined): Promise<void>;
  recordName(key: string, name: string): Promise<void>;
  markDeleting(key: string): Promise<void>;
  /** Every applied member of the group. */
  loadMembers(key: string): Promise<MemberSet>;
  /** Records what one successful groupeditmembers call changed. */
  recordMembers(
    key: string,
    change: { upserts?: { address: string; mask: number }[]; removes?: string[] },
  ): Promise<void>;
  /**
   * Moves `appliedVersion` forward to `version` (never back). Returns false when a newer version is
   * already recorded.
   */
  markApplied(key: string, version: number, deliveryId: string): Promise<boolean>;
  /** Drops the gid mapping and every member item, keeping a tombstone with the version. */
  dropGroup(key: string, version: number, deliveryId: string): Promise<void>;
  getDelivery(id: string): Promise<DeliveryRecord | undefined>;
  /** Creates the record unless one exists; returns the existing one when it does. */
  createDelivery(record: DeliveryRecord): Promise<DeliveryRecord | undefined>;
  setDeliveryStatus(record: DeliveryRecord): Promise<void>;
}
