/**
 * One rule for the group-sync queue's retry schedule, read by the stack (checked at synth) and by the
 * local queue: a message must still have a receive left after a creation claim's lease runs out, or an
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
