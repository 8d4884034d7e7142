/**
 * Member sets and the difference between two of them, planned as mesibo `groupeditmembers` calls.
 * Permissions are kept as a 5-bit mask (mesibo's MEMBERFLAG order) so equal rights compare and group
 * cheaply and each stored member item stays a few bytes.
 */
import type { MemberPermissions } from '../mesibo/types';

const RIGHTS = ['send', 'recv', 'pub', 'sub', 'list'] as const;
export const ALL_RIGHTS = 0b11111;

/** Omitted rights default to true (mesibo's default for added members). */
export const toMask = (permissions: MemberPermissions | undefined): number =>
  RIGHTS.reduce((mask, right, bit) => (permissions?.[right] === false ? mask : mask | (1 << bit)), 0);

export const fromMask = (mask: number): Required<MemberPermissions> => ({
  send: (mask & 1) !== 0,
  recv: (mask & 2) !== 0,
  pub: (mask & 4) !== 0,
  sub: (mask & 8) !== 0,
  list: (mask & 16) !== 0,
});

/**
 * The mask recorded for a member whose edit was sent but not confirmed: mesibo may or may not have
 * applied it. It equals no desired mask, so the next diff sends that member's add or removal again.
 */
export const UNKNOWN_MASK = -1;

/** address → permission mask (UNKNOWN_MASK when an edit of it was interrupted). */
export type MemberSet = Map<string, number>;

export const memberSet = (
  members: readonly { address: string; permissions?: MemberPermissions }[],
): MemberSet => new Map(members.map((m) => [m.address, toMask(m.permissions)]));

export interface MemberChange {
  /** Members to add, or whose rights changed (adding an existing member updates its rights). */
  upserts: { address: string; mask: number }[];
  removes: string[];
}

export const diffMembers = (desired: MemberSet, applied: MemberSet): MemberChange => {
  const upserts: MemberChange['upserts'] = [];
  const removes: string[] = [];
  for (const [address, mask] of desired) {
    if (applied.get(address) !== mask) upserts.push({ address, mask });
  }
  for (const address of applied.keys()) {
    if (!desired.has(address)) removes.push(address);
  }
  return { upserts, removes };
};

export type EditChunk =
  | { kind: 'add'; mask: number; addresses: string[] }
  | { kind: 'remove'; addresses: string[] };

const chunk = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/**
 * One chunk per `groupeditmembers` call: adds grouped by identical rights (a call carries one set of
 * permissions), at most `chunkSize` addresses each, then removals. Adds go first: if a run stops half
 * way, the people who belong in the group are already in it, and the retry finishes the removals.
 */
export const planEdits = (change: MemberChange, chunkSize: number): EditChunk[] => {
  const byMask = new Map<number, string[]>();
  for (const { address, mask } of change.upserts) {
    const list = byMask.get(mask);
    if (list) list.push(address);
    else byMask.set(mask, [address]);
  }
  const adds = [...byMask].flatMap(([mask, addresses]) =>
    chunk(addresses, chunkSize).map((part): EditChunk => ({ kind: 'add', mask, addresses: part })),
  );
  const removes = chunk(change.removes, chunkSize).map(
    (part): EditChunk => ({ kind: 'remove', addresses: part }),
  );
  return [...adds, ...removes];
};
