/** Quiescence for the simulations: a queue drained, or reported stuck. */
import type { LocalQueue } from '../../local/queue/local-queue';

/**
 * Waits until the queue holds nothing, failing only when it stops making progress (no message deleted
 * or dead-lettered) for `stallMs`: a long run may take as long as it needs, a stuck one is reported.
 */
export const untilQuiet = async (queue: LocalQueue, stallMs: number, what: string) => {
  const progress = () => {
    const s = queue.stats();
    return s.deleted + s.dlq;
  };
  let last = progress();
  let lastChange = Date.now();
  for (;;) {
    const s = queue.stats();
    if (s.depth === 0 && s.inFlight === 0) return;
    const now = progress();
    if (now !== last) {
      last = now;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > stallMs) {
      throw new Error(
        `${what} made no progress for ${stallMs} ms (${s.depth} waiting, ${s.inFlight} in flight, ${s.delayed} delayed)`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
};
