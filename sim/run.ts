/**
 * `npm run simulate -- [<simulation>] [--seed S] [...flags]`: long randomized fault simulations.
 * Each simulation registers itself in `simulations` below. Without a name, every simulation that
 * knows all the flags given runs in turn (so `-- --seed 5 --groups 8` is a group-sync run); with
 * neither a name nor flags, the list is printed.
 * A run prints its seed first and its figures last; a failing run exits 1 and prints the command
 * that replays it.
 */
export interface Simulation {
  /** One line: what it drives and what invariant it checks. */
  describe: string;
  /** The flags `main` accepts, without the leading `--`. */
  flags: readonly string[];
  /** Runs with the given argv (flags after the name); resolves to the process exit code. */
  main(argv: readonly string[]): Promise<number>;
}

const simulations: Record<string, () => Promise<Simulation>> = {
  'group-sync': async () => (await import('./group-sync/main')).groupSyncSimulation,
  fanout: async () => (await import('./fanout/main')).fanoutSimulation,
};

const usage = async (code: number) => {
  console.log('usage: npm run simulate -- [<simulation>] [--seed S] [flags]\n');
  for (const [n, l] of Object.entries(simulations)) {
    const sim = await l();
    console.log(
      `  ${n.padEnd(12)} ${sim.describe}\n  ${''.padEnd(12)} flags: ${sim.flags.map((f) => `--${f}`).join(' ')}`,
    );
  }
  process.exit(code);
};

const argv = process.argv.slice(2);
const [first, ...rest] = argv;
if (first === undefined) await usage(0);
else if (!first.startsWith('--')) {
  const load = simulations[first];
  if (!load) await usage(2);
  else process.exit(await (await load()).main(rest));
} else {
  const given = argv.filter((a) => a.startsWith('--')).map((a) => a.slice(2));
  let code = 0;
  let ran = 0;
  for (const [n, load] of Object.entries(simulations)) {
    const sim = await load();
    if (!given.every((f) => sim.flags.includes(f))) continue;
    console.log(`== ${n}`);
    ran++;
    code = Math.max(code, await sim.main(argv));
  }
  if (!ran) {
    console.log(`no simulation takes all of: ${given.map((f) => `--${f}`).join(' ')}`);
    await usage(2);
  }
  process.exit(code);
}
