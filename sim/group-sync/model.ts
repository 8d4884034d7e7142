/**
 * The reference for group sync: the state that applying a group's events in version order gives
 * (each version once). The worker must reach this state whatever order, duplicates or faults it sees.
 */
import { toMask } from '../../shared/group-sync/members';
import type { GroupEvent } from '../../shared/group-sync/schema';

export interface ModelGroup {
  exists: boolean;
  /** Only defined when an upsert above the last delete named it; otherwise not compared. */
  name?: string;
  /** address → rights mask. */
  members: Map<string, number>;
}

export const emptyModelGroup = (): ModelGroup => ({ exists: false, members: new Map() });

/** Folds one group's events in version order; duplicates of a version count once. */
export const modelGroup = (events: readonly GroupEvent[]): ModelGroup => {
  const byVersion = new Map<number, GroupEvent>();
  for (const e of events) if (!byVersion.has(e.group.version)) byVersion.set(e.group.version, e);
  const group = emptyModelGroup();
  for (const e of [...byVersion.values()].sort((a, b) => a.group.version - b.group.version)) {
    switch (e.type) {
      case 'group.upsert':
        if (!group.exists) delete group.name;
        group.exists = true;
        if (e.group.name !== undefined) group.name = e.group.name;
        group.members = new Map(e.group.members.map((m) => [m.address, toMask(m.permissions)]));
        break;
      case 'group.members.add':
        if (!group.exists) delete group.name;
        group.exists = true;
        for (const m of e.group.members) group.members.set(m.address, toMask(m.permissions));
        break;
      case 'group.members.remove':
        for (const m of e.group.members) group.members.delete(m.address);
        break;
      case 'group.delete':
        group.exists = false;
        delete group.name;
        group.members = new Map();
        break;
    }
  }
  return group;
};
