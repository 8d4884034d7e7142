/** In-memory stand-ins for the group-sync ports, with the same conditional-write rules as DynamoDB. */

import type { GroupVersions, MemberRecord, MemberRecords } from '../../../shared/group-sync/ordering';
import type {
  DeliveryRecord,
  EditIntent,
  GroupMeta,
  GroupStateStore,
} from '../../../shared/group-sync/ports';
import type { QueueMessage, QueuePublisher } from '../../../shared/ports';

const emptyMeta = (key: string): GroupMeta => ({ key, versions: {}, memberCount: 0, intents: [] });

export class MemoryGroupState implements GroupStateStore {
  readonly metas = new Map<string, GroupMeta>();
  readonly members = new Map<string, MemberRecords>();
  readonly deliveries = new Map<string, DeliveryRecord>();
  /** Member items read, by how (a delta must read only what it names). */
  readonly reads = { loaded: 0, got: 0 };

  private meta(key: string): GroupMeta {
    const meta = this.metas.get(key) ?? emptyMeta(key);
    this.metas.set(key, meta);
    return meta;
  }
  private group(key: string): MemberRecords {
    const set = this.members.get(key) ?? new Map<string, MemberRecord>();
    this.members.set(key, set);
    return set;
  }
  /** Present members as address → mask. */
  present(key: string): Map<string, number> {
    return new Map([...this.group(key)].filter(([, r]) => r.present).map(([a, r]) => [a, r.mask]));
  }

  async getMeta(key: string) {
    const meta = this.metas.get(key);
    return meta ? structuredClone(meta) : undefined;
  }
  async claimCreation(key: string, claim: { attemptId: string; until: number }, takeOverFrom?: string) {
    const meta = this.metas.get(key);
    if (meta?.gid !== undefined) return false;
    if (
      takeOverFrom === undefined ? meta?.creating !== undefined : meta?.creating?.attemptId !== takeOverFrom
    ) {
      return false;
    }
    this.meta(key).creating = { ...claim };
    return true;
  }
  async releaseCreation(key: string, attemptId: string) {
    const meta = this.metas.get(key);
    if (meta?.creating?.attemptId === attemptId) delete meta.creating;
  }
  async recordGid(key: string, attemptId: string, gid: number, name: string | undefined) {
    const meta = this.metas.get(key);
    if (meta?.creating?.attemptId !== attemptId) throw new Error('ConditionalCheckFailedException');
    delete meta.creating;
    delete meta.deleted;
    delete meta.deleting;
    meta.gid = gid;
    if (name !== undefined) meta.name = name;
  }
  async recordName(key: string, name: string) {
    this.meta(key).name = name;
  }
  async markDeleting(key: string) {
    this.meta(key).deleting = true;
  }
  async loadMembers(key: string) {
    const set = this.group(key);
    this.reads.loaded += set.size;
    return new Map([...set].map(([a, r]) => [a, { ...r }]));
  }
  async getMembers(key: string, addresses: readonly string[]) {
    const set = this.group(key);
    const out: MemberRecords = new Map();
    for (const address of addresses) {
      const r = set.get(address);
      if (r) out.set(address, { ...r });
    }
    this.reads.got += out.size;
    return out;
  }
  async writeMembers(
    key: string,
    change: { puts?: { address: string; record: MemberRecord }[]; drops?: string[] },
  ) {
    const set = this.group(key);
    for (const { address, record } of change.puts ?? []) set.set(address, { ...record });
    for (const address of change.drops ?? []) set.delete(address);
  }
  async addIntent(key: string, intent: EditIntent) {
    this.meta(key).intents.push(structuredClone(intent));
  }
  async finishIntent(key: string, intent: EditIntent) {
    const meta = this.meta(key);
    const index = meta.intents.findIndex((i) => i.id === intent.id);
    if (index < 0) return false;
    meta.intents.splice(index, 1);
    meta.memberCount += intent.countDelta;
    return true;
  }
  async finishEvent(key: string, versions: GroupVersions, deliveryId: string) {
    const meta = this.meta(key);
    meta.versions = { ...versions };
    meta.lastDeliveryId = deliveryId;
  }
  async dropGroup(key: string, versions: GroupVersions, deliveryId: string) {
    const { intents } = this.meta(key);
    this.metas.set(key, {
      key,
      versions: { ...versions },
      memberCount: 0,
      lastDeliveryId: deliveryId,
      deleted: true,
      intents,
    });
  }
  async getDelivery(id: string) {
    const record = this.deliveries.get(id);
    return record ? { ...record } : undefined;
  }
  async createDelivery(record: DeliveryRecord) {
    const existing = this.deliveries.get(record.id);
    if (existing) return { ...existing };
    this.deliveries.set(record.id, { ...record });
    return undefined;
  }
  async setDeliveryStatus(record: DeliveryRecord) {
    this.deliveries.set(record.id, { ...record });
  }
}

export class CapturingQueue implements QueuePublisher {
  readonly messages: QueueMessage[] = [];
  fail = false;
  async publish(messages: QueueMessage[]) {
    if (this.fail) throw new Error('queue down');
    this.messages.push(...messages);
  }
}

export const fixedClock = (start = Date.UTC(2026, 0, 1)) => {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
};
