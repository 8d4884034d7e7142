/**
 * The seeded part of a group-sync run: each group's events (unique versions, random types, members and
 * rights) and the order they are sent in: reordered, duplicated, replayed under forged delivery ids,
 * in concurrent waves. Pure: the same seed gives the same scenario.
 */

import type { GroupEvent } from '../../shared/group-sync/schema';
import type { MemberPermissions } from '../../shared/mesibo/types';
import type { Random } from '../lib/random';

export interface ScenarioOptions {
  groups: number;
  /** Events over all groups. */
  events: number;
  /** Distinct addresses per group. */
  members: number;
}

export interface Delivery {
  id: string;
  event: GroupEvent;
}

export type Send =
  /** A signed delivery, first time or a repeat of the same bytes. */
  | { kind: 'post'; delivery: Delivery }
  /** The same signed bytes under a forged X-Delivery-Id: must be refused and change nothing. */
  | { kind: 'forged'; delivery: Delivery; forgedId: string }
  /** SQS delivering an already queued message again (at-least-once), bypassing the route. */
  | { kind: 'redeliver'; delivery: Delivery };

export interface Scenario {
  keys: string[];
  deliveries: Delivery[];
  /** Waves of sends; the sends of one wave go out concurrently. */
  waves: Send[][];
}

const randomPermissions = (r: Random): MemberPermissions | undefined => {
  if (r.chance(0.6)) return undefined;
  const p: MemberPermissions = {};
  for (const right of ['send', 'recv', 'pub', 'sub', 'list'] as const)
    if (r.chance(0.3)) p[right] = r.chance(0.5);
  return p;
};

const someOf = (r: Random, pool: readonly string[], max: number) => r.shuffle(pool).slice(0, r.int(1, max));

const randomEvent = (r: Random, key: string, version: number, pool: readonly string[]): GroupEvent => {
  const kind = r.int(0, 99);
  const withRights = (address: string) => {
    const permissions = randomPermissions(r);
    return permissions ? { address, permissions } : { address };
  };
  if (kind < 15) {
    const members = r.shuffle(pool).slice(0, r.int(0, pool.length)).map(withRights);
    return {
      type: 'group.upsert',
      group: { key, version, members, ...(r.chance(0.5) ? { name: `${key} v${version}` } : {}) },
    };
  }
  if (kind < 20) {
    // A rename: an upsert that keeps the whole pool with default rights and a new name.
    return {
      type: 'group.upsert',
      group: {
        key,
        version,
        name: `renamed ${key} v${version}`,
        members: pool.map((address) => ({ address })),
      },
    };
  }
  if (kind < 60)
    return {
      type: 'group.members.add',
      group: { key, version, members: someOf(r, pool, 3).map(withRights) },
    };
  if (kind < 70) {
    // A rights change: an add of members with explicit rights.
    const members = someOf(r, pool, 2).map((address) => ({
      address,
      permissions: { send: r.chance(0.5), list: r.chance(0.5) },
    }));
    return { type: 'group.members.add', group: { key, version, members } };
  }
  if (kind < 95) {
    return {
      type: 'group.members.remove',
      group: { key, version, members: someOf(r, pool, 3).map((address) => ({ address })) },
    };
  }
  return { type: 'group.delete', group: { key, version } };
};

export const buildScenario = (r: Random, options: ScenarioOptions): Scenario => {
  const keys = Array.from({ length: options.groups }, (_, i) => `sim-${r.seed}-g${i}`);
  const pools = keys.map((_, g) => Array.from({ length: options.members }, (_, i) => `g${g}.u${i}`));
  const deliveries: Delivery[] = [];
  const nextVersion = new Map<string, number>();
  for (let i = 0; i < options.events; i++) {
    const g = r.int(0, keys.length - 1);
    const key = keys[g] as string;
    // Versions grow with gaps, as revision counters or timestamps do.
    const version = (nextVersion.get(key) ?? 0) + r.int(1, 3);
    nextVersion.set(key, version);
    deliveries.push({ id: `${key}.d${version}`, event: randomEvent(r, key, version, pools[g] as string[]) });
  }

  // The order of sending: mostly the order of change, with local swaps, and some sent much later.
  const order = deliveries.map((d, i) => ({
    d,
    at: r.chance(0.15) ? r.int(0, deliveries.length * 2) : i + r.int(-5, 5),
  }));
  order.sort((a, b) => a.at - b.at);
  const sends: Send[] = [];
  for (const { d } of order) {
    sends.push({ kind: 'post', delivery: d });
    if (r.chance(0.15)) sends.splice(r.int(0, sends.length), 0, { kind: 'post', delivery: d });
    if (r.chance(0.05)) sends.push({ kind: 'forged', delivery: d, forgedId: `${d.id}.forged` });
    if (r.chance(0.05)) sends.push({ kind: 'redeliver', delivery: d });
  }
  // A redelivery of a message the route never queued is not one SQS could make.
  const posted = new Set<string>();
  const valid = sends.filter((s) => {
    if (s.kind === 'post') posted.add(s.delivery.id);
    return s.kind !== 'redeliver' || posted.has(s.delivery.id);
  });

  const waves: Send[][] = [];
  for (let i = 0; i < valid.length; ) {
    const size = r.int(1, 6);
    waves.push(valid.slice(i, i + size));
    i += size;
  }
  return { keys, deliveries, waves };
};
