/**
 * One rule for the group-sync queue's retry schedule, read by the stack (checked at synth) and by the
 * local queue, and what the worker says about a failed receive. The rule: a message must still have a receive left after a creation claim's lease runs out, or an
 * ambiguous groupadd failure would dead-letter the group's event instead of being taken over.
 */

/** How long a groupadd attempt owns the creation of a group (longer than one mesibo call with retries). */
export const CREATION_LEASE_MS = 60_000;

/** Whether redeliveries outlast the lease: visibility timeout × (receives − 1) > lease. */
export const retriesOutlastLease = (
  visibilityTimeoutMs: number,
  maxReceiveCount: number,
  leaseMs = CREATION_LEASE_MS,
): boolean => visibilityTimeoutMs * (maxReceiveCount - 1) > leaseMs;

/** The fewest receives that satisfy the rule for a visibility timeout. */
export const minReceiveCount = (visibilityTimeoutMs: number, leaseMs = CREATION_LEASE_MS): number =>
  Math.floor(leaseMs / visibilityTimeoutMs) + 2;

/**
 * The worker's line for a failed event: whether SQS will deliver it again or this receive moves it
 * to the DLQ, as far as the worker knows the queue's maxReceiveCount.
 */
export const failedEventLine = (receiveCount: number, maxReceiveCount: number | undefined): string => {
  if (maxReceiveCount === undefined || !Number.isInteger(receiveCount) || receiveCount < 1) {
    return 'group event failed; SQS will redeliver it or, after maxReceiveCount receives, move it to the DLQ';
  }
  return receiveCount >= maxReceiveCount
    ? 'group event failed; this was the last receive, it moves to the DLQ'
    : 'group event failed; SQS will redeliver it';
};
