/**
 * Ports of the system-message use cases. DynamoDB/SQS/Powertools adapters implement them in this
 * folder; tests and the local stack may pass fakes.
 */
import type { DeadLetterRecord } from './fanout-message';

/** Customer group key → mesibo gid, as group sync recorded it. */
export type FindGid = (key: string) => Promise<number | undefined>;

/** One users-table page of addresses (in table order) from `cursor`, and where the next page starts. */
export type UserAddressPage = (options: {
  cursor: Record<string, string> | undefined;
  pageSize: number;
}) => Promise<{ addresses: string[]; next: Record<string, string> | undefined }>;

export type AudienceKind = 'addresses' | 'group' | 'allUsers';
export type FailureReason = 'rejected' | 'outcome-unknown' | 'dead-lettered';

/** A final outcome of one batch part, in recipients (a group batch counts as one). */
export interface CountedOutcome {
  state: 'sent' | 'failed' | 'unknown';
  recipients: number;
  reason?: FailureReason;
}

export interface NotificationStatus {
  notificationId: string;
  state:
    | 'scheduled'
    | 'accepted'
    | 'expanding'
    /** The expansion was dead-lettered: the users it had not reached yet are not coming. */
    | 'expansion-failed'
    | 'sending'
    | 'done'
    | 'done-with-failures';
  audience: AudienceKind;
  scheduledFor?: string;
  recipients: { total?: number; sent: number; pending?: number; unknown: number; failed: number };
  batches: { total?: number; done: number };
  failures: { reason: FailureReason; count: number }[];
  createdAt: string;
  updatedAt: string;
}

/** Per-notification progress; every count is safe to repeat (counted once per key). */
export interface StatusStore {
  /** Records the notification when accepted, scheduled, or when its schedule fires; never resets progress. */
  begin(
    notificationId: string,
    init: {
      audience: AudienceKind;
      phase: 'scheduled' | 'accepted' | 'sending';
      /** Recipients and batches, when known up front (not for all users). */
      total?: number;
      batches?: number;
      scheduledFor?: string;
    },
  ): Promise<void>;
  expanding(notificationId: string): Promise<void>;
  expansionFailed(notificationId: string): Promise<void>;
  expanded(notificationId: string, totals: { total: number; batches: number }): Promise<void>;
  /** `top` is the top-level batch number, `part` the ledger part (`7`, `7.0`, ...). */
  countPart(notificationId: string, top: number, part: string, outcome: CountedOutcome): Promise<void>;
  countBatchDone(notificationId: string, top: number): Promise<void>;
  /** A batch given up on: its `recipients` still pending are counted failed (`dead-lettered`). */
  countDeadLettered(notificationId: string, top: number, recipients: number): Promise<void>;
  read(notificationId: string): Promise<NotificationStatus | undefined>;
}

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
