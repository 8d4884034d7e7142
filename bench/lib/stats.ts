/** Order statistics for latency samples (nearest-rank percentiles). */
export const percentile = (samples: readonly number[], p: number): number => {
  if (samples.length === 0) throw new Error('no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
};

export const median = (samples: readonly number[]): number => percentile(samples, 50);

export const round = (value: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

/** Runs `fn` `warmup` times unmeasured, then `runs` times, returning the wall time of each run in ms. */
export const timeRuns = async (fn: () => Promise<unknown>, runs: number, warmup = 3): Promise<number[]> => {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return samples;
};

/** Latencies of `runs` calls of `fn`, `inFlight` of them running at any time. */
export const timeInFlight = async (
  fn: () => Promise<unknown>,
  runs: number,
  inFlight: number,
): Promise<number[]> => {
  const samples: number[] = [];
  let started = 0;
  const worker = async () => {
    while (started < runs) {
      started++;
      const start = performance.now();
      await fn();
      samples.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return samples;
};

/** Tracks the peak RSS of this process while `fn` runs (sampled every 10 ms). */
export const withPeakRss = async <T>(fn: () => Promise<T>): Promise<{ result: T; peakRssMb: number }> => {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, peakRssMb: round(peak / 1024 / 1024, 1) };
  } finally {
    clearInterval(timer);
  }
};
