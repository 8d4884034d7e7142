/**
 * A bounded fan-out fault simulation with a fixed seed: notifications submitted with duplicates and
 * conflicting payloads, fanned out with mesibo faults and worker kills, a DLQ redrive, then every
 * recipient checked against its delivery policy and every notification's status. Long runs:
 * `npm run simulate -- fanout`.
 */
import { describe, expect, it } from 'vitest';
import { replayCommand } from '../../sim/fanout/main';
import { runFanoutSimulation, type SimOptions } from '../../sim/fanout/world';
import { formatFigures } from '../../sim/lib/cli';

describe('fan-out simulation', () => {
  it('sends each recipient as its policy allows and accounts for every one, under faults and kills', async () => {
    const options: SimOptions = {
      seed: 17,
      notifications: 30,
      users: 50,
      faultPercent: 12,
      killPercent: 4,
      concurrency: 3,
      stallTimeoutMs: 30_000,
    };
    const { figures, mismatches } = await runFanoutSimulation(options);
    console.log(formatFigures(figures));
    if (mismatches.length) console.log(`replay: ${replayCommand(options)}`);
    expect(mismatches).toEqual([]);
    // The run must have exercised what it claims to.
    expect(figures.duplicateSubmissions).toBeGreaterThan(0);
    expect(figures.conflictsRefused).toBeGreaterThan(0);
    expect(Object.values(figures.kills).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(Object.values(figures.faultsInjected).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(figures.deadLettered).toBeGreaterThan(0);
  });
});
