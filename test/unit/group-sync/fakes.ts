/** In-memory stand-ins for the group-sync ports, with the same conditional-write rules as DynamoDB. */

import type { GroupMesibo } from '../../../shared/group-sync/apply';
import type { GroupSyncLogger } from '../../../shared/group-sync/logging';
import type { MemberSet } from '../../../shared/group-sync/members';
import type { DeliveryRecord, GroupMeta, GroupStateStore } from '../../../shared/group-sync/state';
import { MesiboError } from '../../../shared/mesibo/errors';
import type { GroupEditMembersInput } from '../../../shared/mesibo/types';
import type { QueueMessage, QueuePublisher } from '../../../shared/ports';

export class MemoryGroupState implements GroupStateStore {
  readonly metas = new Map<string, GroupMeta>();
  readonly members = new Map<string, MemberSet>();
  readonly deliveries = new Map<string, DeliveryRecord>();

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
    this.metas.set(key, { ...meta, key, creating: { ...claim } });
    return true;
  }
  async recordGid(key: string, attemptId: string, gid: number, name: string | undefined) {
    const meta = this.metas.get(key);
    if (meta?.creating?.attemptId !== attemptId) throw new Error('ConditionalCheckFailedException');
    const { creating: _c, deleted: _d, deleting: _x, ...rest } = meta;
    this.metas.set(key, { ...rest, gid, ...(name === undefined ? {} : { name }) });
  }
  async recordName(key: string, name: string) {
    this.metas.set(key, { ...this.metas.get(key), key, name });
  }
  async markDeleting(key: string) {
    this.metas.set(key, { ...this.metas.get(key), key, deleting: true });
  }
  async loadMembers(key: string) {
    return new Map(this.members.get(key) ?? []);
  }
  async recordMembers(
    key: string,
    change: { upserts?: { address: string; mask: number }[]; removes?: string[] },
  ) {
    const set = this.members.get(key) ?? new Map<string, number>();
    for (const { address, mask } of change.upserts ?? []) set.set(address, mask);
    for (const address of change.removes ?? []) set.delete(address);
    this.members.set(key, set);
  }
  async markApplied(key: string, version: number, deliveryId: string) {
    const meta = this.metas.get(key);
    const v = meta?.appliedVersion;
    if (v !== undefined && !(v < version || (v === version && meta?.appliedDeliveryId === deliveryId)))
      return false;
    this.metas.set(key, { ...meta, key, appliedVersion: version, appliedDeliveryId: deliveryId });
    return true;
  }
  async dropGroup(key: string, version: number, deliveryId: string) {
    this.members.delete(key);
    this.metas.set(key, { key, appliedVersion: version, appliedDeliveryId: deliveryId, deleted: true });
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

export interface FakeGroup {
  name?: string;
  members: Map<string, GroupEditMembersInput['permissions']>;
}

/** A mesibo that keeps groups in memory and logs every call; `failOn` makes chosen calls throw. */
export class FakeMesibo implements GroupMesibo {
  readonly groups = new Map<number, FakeGroup>();
  readonly calls: { op: string; input: unknown }[] = [];
  private nextGid = 100;
  /** Called before each op is applied; throw from it to inject a failure. */
  failOn: (op: string, index: number) => void = () => {};

  private enter(op: string, input: unknown) {
    this.failOn(op, this.calls.filter((c) => c.op === op).length);
    this.calls.push({ op, input });
  }
  private group(gid: number) {
    const group = this.groups.get(gid);
    if (!group) {
      throw new MesiboError({
        op: 'group',
        kind: 'api',
        error: 'BADVALUE',
        retryable: false,
        cause: 'no such group',
      });
    }
    return group;
  }
  count(op: string) {
    return this.calls.filter((c) => c.op === op).length;
  }
  membersOf(gid: number) {
    return new Map([...this.group(gid).members].map(([a, p]) => [a, p]));
  }

  groupadd: GroupMesibo['groupadd'] = async (input) => {
    this.enter('groupadd', input);
    const gid = this.nextGid++;
    this.groups.set(gid, { ...(input.name === undefined ? {} : { name: input.name }), members: new Map() });
    return { gid };
  };
  groupset: GroupMesibo['groupset'] = async (input) => {
    this.enter('groupset', input);
    const group = this.group(input.gid);
    if (input.name !== undefined) group.name = input.name;
  };
  groupdel: GroupMesibo['groupdel'] = async (input) => {
    this.enter('groupdel', input);
    this.group(input.gid);
    this.groups.delete(input.gid);
  };
  groupeditmembers: GroupMesibo['groupeditmembers'] = async (input) => {
    this.enter('groupeditmembers', input);
    const group = this.group(input.gid);
    for (const address of input.addresses) {
      if (input.remove) group.members.delete(address);
      else group.members.set(address, input.permissions);
    }
  };
}

export class CapturingQueue implements QueuePublisher {
  readonly messages: QueueMessage[] = [];
  fail = false;
  async publish(messages: QueueMessage[]) {
    if (this.fail) throw new Error('queue down');
    this.messages.push(...messages);
  }
}

export const silentLogger = (): GroupSyncLogger & {
  lines: { level: string; message: string; attrs?: object }[];
} => {
  const lines: { level: string; message: string; attrs?: object }[] = [];
  const at = (level: string) => (message: string, attrs?: object) => {
    lines.push({ level, message, ...(attrs ? { attrs } : {}) });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
};

export const fixedClock = (start = Date.UTC(2026, 0, 1)) => {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
};
