/**
 * Seeded randomness for the fault simulations: every choice a run makes comes from one generator
 * built from the run's seed, so the same seed replays the same run exactly.
 */
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

export interface Random {
  readonly seed: number;
  /** An integer in [from, to], both included. */
  int(from: number, to: number): number;
  /** True with probability `p` (0..1). */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A new array with the items in random order. */
  shuffle<T>(items: readonly T[]): T[];
  /** An independent generator for a sub-task, itself replayable from this one's seed. */
  fork(): Random;
}

const SCALE = 1_000_000;

export const seededRandom = (seed: number): Random => {
  const rng = xoroshiro128plus(seed);
  const int = (from: number, to: number): number => uniformInt(rng, from, to);
  const self: Random = {
    seed,
    int,
    chance: (p) => p > 0 && int(0, SCALE - 1) < p * SCALE,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(0, items.length - 1)] as (typeof items)[number];
    },
    shuffle: (items) => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(0, i);
        [out[i], out[j]] = [out[j] as (typeof out)[number], out[i] as (typeof out)[number]];
      }
      return out;
    },
    fork: () => seededRandom(int(0, 0x7fffffff)),
  };
  return self;
};

/** A fresh seed for a run that was given none; printed by the runner so the run can be replayed. */
export const newSeed = (): number => Math.floor(Math.random() * 0x7fffffff);
