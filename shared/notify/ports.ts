/**
 * Ports of the system-message use cases. DynamoDB/SQS/Powertools adapters implement them in this
 * folder; tests and the local stack may pass fakes.
 */
import type { DeadLetterRecord } from './fanout-message';

/** Customer group key → mesibo gid, as group sync recorded it. */
export type FindGid = (key: string) => Promise<number | undefined>;

/** Addresses of every cached user, one page at a time, each address once. */
export type UserAddressPages = () => AsyncIterable<string[]>;

export interface DeadLetters {
  put(record: DeadLetterRecord): Promise<void>;
}

/** Makes sure a sender address exists at mesibo before messages are sent from it. */
export interface SenderRegistry {
  ensure(address: string): Promise<void>;
}

/**
 * Runs `run` once per (scope, key): a repeat with the same payload returns the first result; a repeat
 * with a different payload throws OnceConflictError; a repeat while the first still runs throws
 * OnceInProgressError. A run that throws leaves no trace, so it can be tried again.
 */
export interface OnceGate {
  once<T extends object>(scope: string, key: string, payload: object, run: () => Promise<T>): Promise<T>;
}

export class OnceConflictError extends Error {
  override readonly name = 'OnceConflictError';
}
export class OnceInProgressError extends Error {
  override readonly name = 'OnceInProgressError';
}

/** Counters the use cases emit (EMF metrics in Lambda). */
export type NotifyMetricName =
  | 'NotificationsAccepted'
  | 'NotificationsScheduled'
  | 'BatchesEnqueued'
  | 'RecipientsEnqueued'
  | 'BatchesSent'
  | 'RecipientsSent'
  | 'RecipientsRejected'
  | 'BatchesRejected'
  | 'BatchesSplit'
  | 'BatchesRetried'
  | 'BatchesDuplicateSuppressed'
  | 'BatchesOutcomeUnknown'
  | 'BatchesResentAfterUnknownOutcome'
  | 'BatchesDeadLettered'
  | 'ScheduleInputsRejected';

export interface NotifyMetrics {
  count(name: NotifyMetricName, value?: number): void;
}

/** Delays the next delivery of an SQS message (visibility timeout), for backoff between attempts. */
export interface RedeliveryDelay {
  delay(message: { receiptHandle: string; eventSourceARN: string }, seconds: number): Promise<void>;
}

/**
 * Where a batch stands. `sending` is an attempt under way (or one that crashed: its lease tells);
 * `retry` an attempt known not to have reached mesibo; the rest are final.
 */
export type BatchState = 'sending' | 'retry' | 'sent' | 'rejected' | 'unknown' | 'split';

export interface BatchRecord {
  state: BatchState;
  /** Attempts started so far. */
  attempts: number;
  /** Epoch ms until which a `sending` attempt is presumed alive. */
  leaseUntil: number;
}

export type Claim = { claimed: true; attempts: number } | { claimed: false; record: BatchRecord | undefined };

/** The outcome of every batch, so no retry of ours sends a batch twice. */
export interface BatchLedger {
  /** Starts an attempt if the batch is new or waiting for a retry; otherwise returns where it stands. */
  claim(key: string, leaseUntil: number): Promise<Claim>;
  /** Starts a new attempt over a crashed one seen with `seenAttempts`; false if someone else did. */
  takeOver(key: string, seenAttempts: number, leaseUntil: number): Promise<number | undefined>;
  /** Ends attempt `attempts` (only while it is still the current `sending` one); false otherwise. */
  settle(
    key: string,
    attempts: number,
    state: Exclude<BatchState, 'sending'>,
    detail?: Record<string, unknown>,
  ): Promise<boolean>;
}
