/**
 * The seeded part of a fan-out run: the users and the synced group, the notifications (audience,
 * delivery policy, how often each is submitted, whether one submission reuses its id with another
 * payload) and the concurrent waves they are submitted in. Pure: the same seed gives the same scenario.
 */
import type { Random } from '../lib/random';

export interface ScenarioOptions {
  notifications: number;
  users: number;
}

export type Audience = { addresses: string[] } | { allUsers: true } | { group: { key: string } };

export interface PlannedNotification {
  id: string;
  /** Unique per notification, so mesibo's record of messages tells them apart. */
  text: string;
  audience: Audience;
  delivery: 'at-most-once' | 'at-least-once';
}

export interface Submission {
  notification: PlannedNotification;
  /** Same id, another text: must be refused with 409 and never sent. */
  conflicting: boolean;
}

export interface Scenario {
  users: string[];
  group: { key: string; members: string[] };
  notifications: PlannedNotification[];
  /** The submissions of one wave go out concurrently. */
  waves: Submission[][];
}

/** Addresses as real identity providers write them, so the wire carries more than ASCII words. */
const address = (i: number) => [`auth0|${i}a`, `user-${i}`, `+4915${i}`, `Ana María ${i}`][i % 4] as string;

export const buildScenario = (r: Random, o: ScenarioOptions): Scenario => {
  const users = Array.from({ length: Math.max(1, o.users) }, (_, i) => address(i));
  const group = { key: 'sim-team', members: r.shuffle(users).slice(0, r.int(1, Math.min(20, users.length))) };
  const notifications = Array.from({ length: o.notifications }, (_, i): PlannedNotification => {
    const kind = r.int(0, 19);
    const audience: Audience =
      kind < 12
        ? { addresses: r.shuffle(users).slice(0, r.int(1, Math.min(60, users.length))) }
        : kind < 17
          ? { allUsers: true }
          : { group: { key: group.key } };
    return {
      id: `sim-${i}`,
      text: `simulated notice ${i}`,
      audience,
      delivery: r.chance(0.5) ? 'at-most-once' : 'at-least-once',
    };
  });
  const submissions: Submission[] = notifications.flatMap((notification) => [
    ...Array.from({ length: r.int(1, 3) }, () => ({ notification, conflicting: false })),
    ...(r.chance(0.1) ? [{ notification, conflicting: true }] : []),
  ]);
  const shuffled = r.shuffle(submissions);
  const waves: Submission[][] = [];
  for (let i = 0; i < shuffled.length; ) {
    const size = r.int(1, 4);
    waves.push(shuffled.slice(i, i + size));
    i += size;
  }
  return { users, group, notifications, waves };
};
