/**
 * Per-member ordering: which part of an event still applies, whatever order the events arrive in.
 *
 * Every member record carries the version of the last change that named it (a removed member keeps a
 * tombstone with that version). The group keeps the highest upsert and delete versions applied; a
 * member whose record is older than them is in the state that upsert or delete gave it. So:
 *     upsert or delete already decided every member;
 *   - a delta at v changes member m only if v is above m's version;
 *   - an upsert at v sets every member it names (unless a newer delta already did) and removes every
 *     other member whose version is below v;
 *   - a delete at v removes every member whose version is below v; the mesibo group itself goes only
 *     when no add or upsert above v was applied (else the group exists in the version-ordered result).
 * Any permutation of a set of events (with duplicates) therefore ends in the state of applying them in
 * version order, provided each change of a group has its own version.
 */
import { type MemberChange, toMask } from './members';
import type { GroupEvent } from './schema';

/** What is recorded for one member: its rights while present, and the version of its last change. */
export interface MemberRecord {
  mask: number;
  version: number;
  present: boolean;
}

export type MemberRecords = Map<string, MemberRecord>;

/** The group-wide versions that order events (absent = never). */
export interface GroupVersions {
  /** Highest group.upsert applied. */
  upsert?: number;
  /** Highest group.delete applied. */
  delete?: number;
  /** Highest group.upsert or group.members.add applied: the group exists while this is above `delete`. */
  create?: number;
  /** Version of the upsert that gave the group its recorded name. */
  name?: number;
}

/** Events at or below this are decided for every member already. */
export const floorOf = (v: GroupVersions): number => Math.max(v.upsert ?? -1, v.delete ?? -1);

/**
 * An upsert's name is ordered on its own: an upsert without a name leaves the name as it is, so a named
 * upsert whose members are decided already still names the group if nothing newer named or deleted it.
 */
export const nameApplies = (v: GroupVersions, event: GroupEvent): boolean =>
  event.type === 'group.upsert' &&
  event.group.name !== undefined &&
  event.group.version > (v.name ?? -1) &&
  event.group.version > (v.delete ?? -1);

/** Nothing of the event applies any more: its members are decided and it carries no newer name. */
export const isStale = (v: GroupVersions, event: GroupEvent): boolean =>
  event.group.version <= floorOf(v) && !nameApplies(v, event);

/** Whether the group exists at mesibo in the version-ordered result. */
export const groupExists = (v: GroupVersions): boolean => (v.create ?? -1) > (v.delete ?? -1);

export interface MemberPlan {
  /** Sent to mesibo; the records of these members follow each call (see `removal`). */
  change: MemberChange;
  /** How a removed member is recorded: a tombstone (delta removal) or no item (the floor covers it). */
  removal: 'tombstone' | 'drop';
  /** Records that change with no mesibo call (a newer version of the same state, a tombstone). */
  puts: { address: string; record: MemberRecord }[];
  /** Items the new floor makes redundant (tombstones below it). */
  drops: string[];
  /** Present members after the plan, relative to before. */
  countDelta: number;
}

const emptyPlan = (removal: MemberPlan['removal']): MemberPlan => ({
  change: { upserts: [], removes: [] },
  removal,
  puts: [],
  drops: [],
  countDelta: 0,
});

/**
 * The member part of an event that is not stale (check `isStale` first). `records` must hold every
 * member the event names, and for an upsert or a delete every recorded member of the group.
 */
export const planMembers = (event: GroupEvent, records: MemberRecords): MemberPlan => {
  const v = event.group.version;
  switch (event.type) {
    case 'group.members.add': {
      const plan = emptyPlan('tombstone');
      for (const m of event.group.members) {
        const r = records.get(m.address);
        if (r && r.version >= v) continue;
        const mask = toMask(m.permissions);
        if (r?.present && r.mask === mask) {
          plan.puts.push({ address: m.address, record: { mask, version: v, present: true } });
        } else {
          plan.change.upserts.push({ address: m.address, mask, joins: !r?.present });
          if (!r?.present) plan.countDelta++;
        }
      }
      return plan;
    }
    case 'group.members.remove': {
      const plan = emptyPlan('tombstone');
      for (const { address } of event.group.members) {
        const r = records.get(address);
        if (r && r.version >= v) continue;
        if (r?.present) {
          plan.change.removes.push(address);
          plan.countDelta--;
        } else plan.puts.push({ address, record: { mask: 0, version: v, present: false } });
      }
      return plan;
    }
    case 'group.upsert': {
      const plan = emptyPlan('drop');
      const named = new Set<string>();
      for (const m of event.group.members) {
        named.add(m.address);
        const r = records.get(m.address);
        if (r && r.version > v) continue;
        const mask = toMask(m.permissions);
        // Same state: the new floor (v) already says it is as of v, no write needed.
        if (r?.present && r.mask === mask) continue;
        plan.change.upserts.push({ address: m.address, mask, joins: !r?.present });
        if (!r?.present) plan.countDelta++;
      }
      for (const [address, r] of records) {
        if (named.has(address) || r.version > v) continue;
        if (r.present) {
          plan.change.removes.push(address);
          plan.countDelta--;
        } else plan.drops.push(address);
      }
      return plan;
    }
    case 'group.delete': {
      const plan = emptyPlan('drop');
      for (const [address, r] of records) {
        if (r.version > v) continue;
        if (r.present) {
          plan.change.removes.push(address);
          plan.countDelta--;
        } else plan.drops.push(address);
      }
      return plan;
    }
  }
};

/** The group versions once `event` (not stale) is applied. */
export const advanceVersions = (v: GroupVersions, event: GroupEvent): GroupVersions => {
  const version = event.group.version;
  const max = (a: number | undefined) => Math.max(a ?? -1, version);
  switch (event.type) {
    case 'group.upsert':
      return {
        ...v,
        upsert: max(v.upsert),
        create: max(v.create),
        ...(event.group.name !== undefined && version > (v.name ?? -1) ? { name: version } : {}),
      };
    case 'group.members.add':
      return { ...v, create: max(v.create) };
    case 'group.members.remove':
      return v;
    case 'group.delete':
      return { ...v, delete: max(v.delete) };
  }
};
