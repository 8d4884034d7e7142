/**
 * Ports the use cases depend on. AWS adapters (SQS, Scheduler, Secrets Manager) and local ones
 * (local/) implement the same interfaces, so handlers run unchanged in both places.
 */

/** Supplies a secret value; `forceRefresh` bypasses the in-memory cache (after a rotation). */
export type SecretSource = (options?: { forceRefresh?: boolean }) => Promise<string>;

export interface QueueMessage {
  body: string;
  /** FIFO queues: messages with the same group id are delivered in order. */
  groupId?: string;
  /** FIFO queues: a repeat within 5 minutes is dropped by SQS. */
  deduplicationId?: string;
}

export interface QueuePublisher {
  /** Sends all messages (batched as the queue allows); rejects if any message was not accepted. */
  publish(messages: QueueMessage[]): Promise<void>;
}

export interface OneTimeSchedule {
  /** Unique schedule name (idempotency: creating the same name twice is one schedule). */
  name: string;
  at: Date;
  /** JSON payload the schedule delivers to send-system-message. */
  payload: unknown;
}

export interface OneTimeScheduler {
  /** Creates a schedule that fires once at `at` and deletes itself afterwards. */
  create(schedule: OneTimeSchedule): Promise<'created' | 'exists'>;
}

/** Delays a consumed message's next delivery (SQS ChangeMessageVisibility). */
export interface RedeliveryDelay {
  delay(message: { receiptHandle: string; eventSourceARN: string }, seconds: number): Promise<void>;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
