/**
 * A bounded group-sync fault simulation with a fixed seed: reordered, duplicated and replayed webhooks
 * through the route and the local queue, mesibo faults and worker kills, a DLQ redrive, then every
 * group at mesibo compared with the version-ordered model. Long runs: `npm run simulate -- group-sync`.
 */
import { describe, expect, it } from 'vitest';
import { replayCommand } from '../../sim/group-sync/main';
import { runGroupSyncSimulation, type SimOptions } from '../../sim/group-sync/world';
import { formatFigures } from '../../sim/lib/cli';

describe('group-sync simulation', () => {
  it('ends with mesibo equal to the model under faults, kills, reordering and replays', async () => {
    const options: SimOptions = {
      seed: 16,
      groups: 3,
      events: 40,
      members: 8,
      faultPercent: 10,
      killPercent: 4,
      concurrency: 3,
      stallTimeoutMs: 30_000,
    };
    const { figures, mismatches } = await runGroupSyncSimulation(options);
    console.log(formatFigures(figures));
    if (mismatches.length) console.log(`replay: ${replayCommand(options)}`);
    expect(mismatches).toEqual([]);
    // The run must have exercised what it claims to.
    expect(figures.duplicatePosts).toBeGreaterThan(0);
    expect(figures.forgedReplays).toBeGreaterThan(0);
    expect(Object.values(figures.kills).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(Object.values(figures.faultsInjected).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });
});
