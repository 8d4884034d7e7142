/**
 * The large-group budget: a 2,000-member upsert, then a one-member change that costs exactly one
 * more groupeditmembers, then a churn whose calls follow the change, not the group size. Prints the
 * figures; asserts only counts (no wall-clock bounds). `npm run bench` runs it at 10,000 members.
 */
import { describe, expect, it } from 'vitest';
import { formatGroupSyncFigures, measureGroupSync } from '../../../local/harness/group-sync/measure';

describe('group sync at 2,000 members', () => {
  it('costs mesibo calls proportional to the change', { timeout: 300_000 }, async () => {
    const figures = await measureGroupSync({
      groupSize: 2_000,
      churnHalf: 100,
      diffMembers: 20_000,
      diffRuns: 1,
    });
    console.log(formatGroupSyncFigures(figures));
    expect(figures.initialUpsert.mesiboCalls).toEqual({ groupadd: 1, groupeditmembers: 20 });
    expect(figures.oneMemberChange.mesiboCalls).toEqual({ groupeditmembers: 1 });
    expect(figures.churn.mesiboCalls).toEqual({ groupeditmembers: 2 });
    expect(figures.diff.changed).toBe(200);
  });
});
