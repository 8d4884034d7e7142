import { describe, expect, it } from 'vitest';
import {
  ALL_RIGHTS,
  diffMembers,
  fromMask,
  intendedMembers,
  isPending,
  memberSet,
  PENDING_REMOVE,
  pendingAdd,
  planEdits,
  toMask,
} from '../../../shared/group-sync/members';

describe('member permissions', () => {
  it('defaults omitted rights to true and round-trips', () => {
    expect(toMask(undefined)).toBe(ALL_RIGHTS);
    expect(toMask({})).toBe(ALL_RIGHTS);
    expect(toMask({ send: false })).toBe(ALL_RIGHTS & ~1);
    expect(fromMask(toMask({ send: false, list: false }))).toEqual({
      send: false,
      recv: true,
      pub: true,
      sub: true,
      list: false,
    });
  });
});

describe('diffMembers', () => {
  it('finds additions, rights changes and removals, nothing else', () => {
    const applied = memberSet([
      { address: 'a' },
      { address: 'b' },
      { address: 'c', permissions: { send: false } },
    ]);
    const desired = memberSet([{ address: 'a' }, { address: 'c' }, { address: 'd' }]);
    expect(diffMembers(desired, applied)).toEqual({
      upserts: [
        { address: 'c', mask: ALL_RIGHTS },
        { address: 'd', mask: ALL_RIGHTS },
      ],
      removes: ['b'],
    });
    expect(diffMembers(desired, desired)).toEqual({ upserts: [], removes: [] });
  });
});

describe('planEdits', () => {
  it('groups adds by identical rights, chunks every list, and puts removals last', () => {
    const readOnly = toMask({ send: false });
    const upserts = [
      ...Array.from({ length: 5 }, (_, i) => ({ address: `full${i}`, mask: ALL_RIGHTS })),
      ...Array.from({ length: 3 }, (_, i) => ({ address: `ro${i}`, mask: readOnly })),
    ];
    const removes = ['x1', 'x2', 'x3'];
    expect(planEdits({ upserts, removes }, 2)).toEqual([
      { kind: 'add', mask: ALL_RIGHTS, addresses: ['full0', 'full1'] },
      { kind: 'add', mask: ALL_RIGHTS, addresses: ['full2', 'full3'] },
      { kind: 'add', mask: ALL_RIGHTS, addresses: ['full4'] },
      { kind: 'add', mask: readOnly, addresses: ['ro0', 'ro1'] },
      { kind: 'add', mask: readOnly, addresses: ['ro2'] },
      { kind: 'remove', addresses: ['x1', 'x2'] },
      { kind: 'remove', addresses: ['x3'] },
    ]);
    expect(planEdits({ upserts: [], removes: [] }, 100)).toEqual([]);
  });
});

describe('pending edits', () => {
  it('encode every add intent and the removal as distinct values no real mask can equal', () => {
    const values = [...Array.from({ length: ALL_RIGHTS + 1 }, (_, mask) => pendingAdd(mask)), PENDING_REMOVE];
    expect(new Set(values).size).toBe(ALL_RIGHTS + 2);
    expect(values.every(isPending)).toBe(true);
    expect(isPending(0)).toBe(false);
    expect(isPending(ALL_RIGHTS)).toBe(false);
  });

  it('resolve to their intent: a pending add as a member with its rights, a pending removal as gone', () => {
    const recorded = new Map([
      ['kept', 3],
      ['joining', pendingAdd(5)],
      ['leaving', PENDING_REMOVE],
    ]);
    expect(intendedMembers(recorded)).toEqual(
      new Map([
        ['kept', 3],
        ['joining', 5],
      ]),
    );
    // Against the records, the intent re-sends both pending edits and nothing else.
    expect(diffMembers(intendedMembers(recorded), recorded)).toEqual({
      upserts: [{ address: 'joining', mask: 5 }],
      removes: ['leaving'],
    });
  });
});
