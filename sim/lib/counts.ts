/** Tallies for the simulations' figures. */
export const bump = (counts: Record<string, number>, key: string, n = 1) => {
  counts[key] = (counts[key] ?? 0) + n;
};

/** The knobs every simulation takes beside its own scenario sizes. */
export interface ChaosOptions {
  seed: number;
  /** Share of mesibo calls that meet a fault, percent. */
  faultPercent: number;
  /** Chance, percent, that a worker is stopped at each kill point it reaches. */
  killPercent: number;
  /** Queue batches handled at once (the event source mapping's concurrency). */
  concurrency: number;
  /** Give up waiting for quiescence once the queue has made no progress for this long. */
  stallTimeoutMs?: number;
}
