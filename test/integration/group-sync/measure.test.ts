/**
 * The large-group budget: a 10,000-member upsert, then a one-member change that costs exactly one
 * more groupeditmembers, then a churn whose calls follow the change, not the group size. Prints the
 * figures; asserts only counts (no wall-clock bounds).
 */
import { describe, expect, it } from 'vitest';
import { formatGroupSyncFigures, measureGroupSync } from '../../../local/harness/group-sync/measure';

describe('group sync at 10,000 members', () => {
  it('costs mesibo calls proportional to the change', { timeout: 300_000 }, async () => {
    const figures = await measureGroupSync();
    console.log(formatGroupSyncFigures(figures));
    expect(figures.initialUpsert.mesiboCalls).toEqual({ groupadd: 1, groupeditmembers: 100 });
    expect(figures.oneMemberChange.mesiboCalls).toEqual({ groupeditmembers: 1 });
    expect(figures.churn.mesiboCalls).toEqual({ groupeditmembers: 10 });
    expect(figures.diff.changed).toBe(1000);
  });
});
