/**
 * `npm run simulate -- [group-sync] [--seed S] [--groups G] [--events N] [--members M] [--faults P]
 * [--kills P] [--concurrency C]`: a randomized fault simulation of group sync (see world.ts).
 */

import { formatFigures, intFlags } from '../lib/cli';
import { newSeed } from '../lib/random';
import type { Simulation } from '../run';
import { runGroupSyncSimulation, type SimOptions } from './world';

export const GROUP_SYNC_DEFAULTS = {
  groups: 8,
  events: 400,
  members: 10,
  faults: 8,
  kills: 3,
  concurrency: 4,
} as const;

export const replayCommand = (o: SimOptions): string =>
  `npm run simulate -- group-sync --seed ${o.seed} --groups ${o.groups} --events ${o.events} --members ${o.members} ` +
  `--faults ${o.faultPercent} --kills ${o.killPercent} --concurrency ${o.concurrency}`;

export const groupSyncSimulation: Simulation = {
  flags: ['seed', ...Object.keys(GROUP_SYNC_DEFAULTS)],
  describe:
    'webhooks reordered, duplicated and replayed through the route, queue and worker, with mesibo faults and worker kills; mesibo must end equal to the version-ordered model',
  async main(argv) {
    const flags = intFlags(argv, { seed: undefined, ...GROUP_SYNC_DEFAULTS });
    const options: SimOptions = {
      seed: flags.seed ?? newSeed(),
      groups: Math.max(1, flags.groups ?? GROUP_SYNC_DEFAULTS.groups),
      events: flags.events ?? GROUP_SYNC_DEFAULTS.events,
      members: Math.max(1, flags.members ?? GROUP_SYNC_DEFAULTS.members),
      faultPercent: flags.faults ?? GROUP_SYNC_DEFAULTS.faults,
      killPercent: flags.kills ?? GROUP_SYNC_DEFAULTS.kills,
      concurrency: Math.max(1, flags.concurrency ?? GROUP_SYNC_DEFAULTS.concurrency),
    };
    console.log(`group-sync simulation, seed ${options.seed}`);
    const { figures, mismatches } = await runGroupSyncSimulation(options);
    console.log(formatFigures(figures));
    if (!mismatches.length) {
      console.log('invariant holds: every group at mesibo equals the version-ordered model');
      return 0;
    }
    console.log(`\n${mismatches.length} mismatch(es):`);
    for (const m of mismatches.slice(0, 50)) console.log(`  - ${m}`);
    console.log(`\nreplay: ${replayCommand(options)}`);
    return 1;
  },
};
