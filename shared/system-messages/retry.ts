/** Backoff between deliveries of a failed batch: exponential, capped, with jitter so retries spread. */

/** SQS's ceiling for a visibility timeout change is 12 h; 15 min keeps a batch's retries within an hour. */
export const MAX_RETRY_DELAY_SECONDS = 900;

/**
 * Delay before delivery `receiveCount + 1`: base·2^(receiveCount-1), capped, then "equal jitter"
 * (a random point in the upper half), so the delay still grows while retries do not line up.
 */
export const retryDelaySeconds = (
  receiveCount: number,
  baseSeconds: number,
  random: () => number,
): number => {
  const ceiling = Math.min(MAX_RETRY_DELAY_SECONDS, baseSeconds * 2 ** Math.max(0, receiveCount - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
};
