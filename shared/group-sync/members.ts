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
 * What is recorded for a member while its edit is sent but not confirmed (mesibo may or may not have
 * applied it): the edit's intent, as a negative value that equals no real mask. The next diff starts
 * from the intent and, as the recorded value differs, sends the edit again, whichever event it is.
 */
export const pendingAdd = (mask: number): number => -(mask + 1);
export const PENDING_REMOVE = -(ALL_RIGHTS + 2);
export const isPending = (recorded: number): boolean => recorded < 0;

/** The rights a recorded member is meant to have once its pending edit lands; undefined when leaving. */
export const intendedMask = (recorded: number): number | undefined => {
  if (recorded === PENDING_REMOVE) return undefined;
  return isPending(recorded) ? -recorded - 1 : recorded;
};

/** address → permission mask as recorded (negative while an edit of the member is pending). */
export type MemberSet = Map<string, number>;

/** The member set the records are heading for: pending adds as added, pending removals as removed. */
export const intendedMembers = (recorded: MemberSet): MemberSet => {
  const intended: MemberSet = new Map();
  for (const [address, value] of recorded) {
    const mask = intendedMask(value);
    if (mask !== undefined) intended.set(address, mask);
  }
  return intended;
};

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
