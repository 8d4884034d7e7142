/**
 * `npm run simulate -- fanout [--seed S] [--notifications N] [--users U] [--faults P] [--kills P]
 * [--concurrency C]`: a randomized fault simulation of system-message fan-out (see world.ts).
 */
import { formatFigures, intFlags } from '../lib/cli';
import { newSeed } from '../lib/random';
import type { Simulation } from '../run';
import { runFanoutSimulation, type SimOptions } from './world';

export const FANOUT_DEFAULTS = {
  notifications: 40,
  users: 60,
  faults: 10,
  kills: 3,
  concurrency: 3,
} as const;

export const replayCommand = (o: SimOptions): string =>
  `npm run simulate -- fanout --seed ${o.seed} --notifications ${o.notifications} --users ${o.users} ` +
  `--faults ${o.faultPercent} --kills ${o.killPercent} --concurrency ${o.concurrency}`;

export const fanoutSimulation: Simulation = {
  flags: ['seed', ...Object.keys(FANOUT_DEFAULTS)],
  describe:
    'system messages submitted with duplicates and conflicts through the route, fanned out by the worker with mesibo faults and worker kills, then redriven; each recipient checked against its delivery policy and the status',
  async main(argv) {
    const flags = intFlags(argv, { seed: undefined, ...FANOUT_DEFAULTS });
    const options: SimOptions = {
      seed: flags.seed ?? newSeed(),
      notifications: Math.max(1, flags.notifications ?? FANOUT_DEFAULTS.notifications),
      users: Math.max(1, flags.users ?? FANOUT_DEFAULTS.users),
      faultPercent: flags.faults ?? FANOUT_DEFAULTS.faults,
      killPercent: flags.kills ?? FANOUT_DEFAULTS.kills,
      concurrency: Math.max(1, flags.concurrency ?? FANOUT_DEFAULTS.concurrency),
    };
    console.log(`fan-out simulation, seed ${options.seed}`);
    const { figures, mismatches } = await runFanoutSimulation(options);
    console.log(formatFigures(figures));
    if (!mismatches.length) {
      console.log('invariant holds: every recipient as its delivery policy allows, every one accounted for');
      return 0;
    }
    console.log(`\n${mismatches.length} mismatch(es):`);
    for (const m of mismatches.slice(0, 50)) console.log(`  - ${m}`);
    console.log(`\nreplay: ${replayCommand(options)}`);
    return 1;
  },
};
