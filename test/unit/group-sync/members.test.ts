import { describe, expect, it } from 'vitest';
import { ALL_RIGHTS, fromMask, planEdits, toMask } from '../../../shared/group-sync/members';

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

describe('planEdits', () => {
  it('groups adds by identical rights, chunks every list, and puts removals last', () => {
    const readOnly = toMask({ send: false });
    const upserts = [
      ...Array.from({ length: 5 }, (_, i) => ({ address: `full${i}`, mask: ALL_RIGHTS, joins: i !== 1 })),
      ...Array.from({ length: 3 }, (_, i) => ({ address: `ro${i}`, mask: readOnly, joins: true })),
    ];
    const removes = ['x1', 'x2', 'x3'];
    expect(planEdits({ upserts, removes }, 2)).toEqual([
      { kind: 'add', mask: ALL_RIGHTS, addresses: ['full0', 'full1'], joins: 1 },
      { kind: 'add', mask: ALL_RIGHTS, addresses: ['full2', 'full3'], joins: 2 },
      { kind: 'add', mask: ALL_RIGHTS, addresses: ['full4'], joins: 1 },
      { kind: 'add', mask: readOnly, addresses: ['ro0', 'ro1'], joins: 2 },
      { kind: 'add', mask: readOnly, addresses: ['ro2'], joins: 1 },
      { kind: 'remove', addresses: ['x1', 'x2'] },
      { kind: 'remove', addresses: ['x3'] },
    ]);
    expect(planEdits({ upserts: [], removes: [] }, 100)).toEqual([]);
  });
});
