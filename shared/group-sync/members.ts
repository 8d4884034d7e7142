/**
 * Member rights and the planning of a member change as mesibo `groupeditmembers` calls. Permissions are
 * kept as a 5-bit mask (mesibo's MEMBERFLAG order) so equal rights compare and group cheaply and each
 * stored member item stays a few bytes.
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

export interface MemberChange {
  /** Members to add, or whose rights changed (adding an existing member updates its rights). */
  upserts: { address: string; mask: number /** Not present before. */; joins: boolean }[];
  /** Present members to remove. */
  removes: string[];
}

/** One groupeditmembers call; `joins` counts the addresses that were not members before. */
export type EditChunk =
  | { kind: 'add'; mask: number; addresses: string[]; joins: number }
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
  const byMask = new Map<number, MemberChange['upserts']>();
  for (const upsert of change.upserts) {
    const list = byMask.get(upsert.mask);
    if (list) list.push(upsert);
    else byMask.set(upsert.mask, [upsert]);
  }
  const adds = [...byMask].flatMap(([mask, upserts]) =>
    chunk(upserts, chunkSize).map(
      (part): EditChunk => ({
        kind: 'add',
        mask,
        addresses: part.map((u) => u.address),
        joins: part.filter((u) => u.joins).length,
      }),
    ),
  );
  const removes = chunk(change.removes, chunkSize).map(
    (part): EditChunk => ({ kind: 'remove', addresses: part }),
  );
  return [...adds, ...removes];
};
