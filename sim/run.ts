/**
 * `npm run simulate -- <simulation> [--seed S] [...flags]`: long randomized fault simulations.
 * Each simulation registers itself in `simulations` below; with no name, the list is printed.
 * A run prints its seed first and its figures last; a failing run exits 1 and prints the command
 * that replays it.
 */
export interface Simulation {
  /** One line: what it drives and what invariant it checks. */
  describe: string;
  /** Runs with the given argv (flags after the name); resolves to the process exit code. */
  main(argv: readonly string[]): Promise<number>;
}

const simulations: Record<string, () => Promise<Simulation>> = {
  'group-sync': async () => (await import('./group-sync/main')).groupSyncSimulation,
};

const [name, ...rest] = process.argv.slice(2);
const load = name ? simulations[name] : undefined;
if (!load) {
  console.log('usage: npm run simulate -- <simulation> [--seed S] [flags]\n');
  for (const [n, l] of Object.entries(simulations)) console.log(`  ${n.padEnd(12)} ${(await l()).describe}`);
  process.exit(name ? 2 : 0);
}
process.exit(await (await load()).main(rest));
