/**
 * An in-process SQS queue with a Lambda event source mapping attached: messages published through the
 * `QueuePublisher` port are delivered to the consumer in SQS-shaped batches; `batchItemFailures` are
 * honoured (a thrown error or a bad identifier fails the whole batch); failed messages come back after
 * the visibility timeout and move to the dead-letter queue after `maxReceiveCount` receives. FIFO
 * queues keep order per message group: a group is blocked while one of its messages is in flight or
 * waiting to be retried, and duplicates within five minutes are dropped.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { QueueMessage, QueuePublisher } from '../../shared/ports';

/** SQS's maximum message size. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
const DEDUP_WINDOW_MS = 5 * 60 * 1000;

export interface LocalQueueOptions {
  /** Queue name; FIFO names end in `.fifo`. */
  name: string;
  region: string;
  accountId: string;
  /** Receives one batch; resolves with the partial batch response (or nothing when all succeeded). */
  consumer: (event: SQSEvent) => Promise<unknown>;
  batchSize?: number;
  /** How long a failed message stays invisible before it is delivered again. */
  visibilityTimeoutMs?: number;
  /** Receives after which a failed message moves to the dead-letter queue. */
  maxReceiveCount?: number;
  /** Batches delivered at the same time (the event source mapping's concurrency). */
  maxConcurrency?: number;
  now?: () => number;
}

interface StoredMessage {
  messageId: string;
  body: string;
  groupId?: string;
  deduplicationId?: string;
  sequenceNumber?: string;
  sentAt: number;
  firstReceiveAt?: number;
  receiveCount: number;
  visibleAt: number;
  inFlight: boolean;
  /** The handle of the current receive (SQS issues a new one per receive). */
  receiptHandle?: string;
  lastError?: string;
}

export interface DeadLetter {
  messageId: string;
  body: string;
  groupId?: string;
  receiveCount: number;
  sentAt: number;
  deadAt: number;
  lastError?: string;
}

export interface QueueStats {
  name: string;
  fifo: boolean;
  /** Messages waiting to be delivered (visible now or after a retry delay). */
  depth: number;
  inFlight: number;
  /** Messages waiting out a visibility timeout after a failure. */
  delayed: number;
  dlq: number;
  sent: number;
  deleted: number;
  /** Epoch ms of the next retry, if any. */
  nextRetryAt: number | null;
}

export class QueuePublishError extends Error {}

/**
 * A dead-letter queue: filled by the source queue after `maxReceiveCount` receives, and, like a real
 * DLQ, open to direct sends (a worker may dead-letter a record itself, with a reason).
 */
export class DeadLetterQueue implements QueuePublisher {
  readonly arn: string;
  private letters: DeadLetter[] = [];

  constructor(
    readonly name: string,
    options: { region: string; accountId: string },
    private readonly now: () => number = Date.now,
  ) {
    this.arn = `arn:aws:sqs:${options.region}:${options.accountId}:${name}`;
  }

  async publish(messages: QueueMessage[]): Promise<void> {
    const now = this.now();
    for (const m of messages) {
      this.letters.push({
        messageId: randomUUID(),
        body: m.body,
        ...(m.groupId ? { groupId: m.groupId } : {}),
        receiveCount: 0,
        sentAt: now,
        deadAt: now,
      });
    }
  }

  push(letter: DeadLetter): void {
    this.letters.push(letter);
  }

  list(): DeadLetter[] {
    return [...this.letters];
  }

  get size(): number {
    return this.letters.length;
  }

  takeAll(): DeadLetter[] {
    return this.letters.splice(0);
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export class LocalQueue implements QueuePublisher {
  readonly fifo: boolean;
  readonly arn: string;
  readonly dlq: DeadLetterQueue;
  private messages: StoredMessage[] = [];
  private readonly dedup = new Map<string, number>();
  private sequence = 0n;
  private sent = 0;
  private deleted = 0;
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly batches = new Set<Promise<void>>();
  private readonly now: () => number;

  constructor(private readonly options: LocalQueueOptions) {
    this.fifo = options.name.endsWith('.fifo');
    this.arn = `arn:aws:sqs:${options.region}:${options.accountId}:${options.name}`;
    this.now = options.now ?? Date.now;
    this.dlq = new DeadLetterQueue(options.name.replace(/(\.fifo)?$/, '-dlq$1'), options, this.now);
  }

  async publish(messages: QueueMessage[]): Promise<void> {
    // Validate everything first: a rejected publish leaves the queue unchanged.
    for (const m of messages) {
      if (Buffer.byteLength(m.body) > MAX_MESSAGE_BYTES) {
        throw new QueuePublishError(`message must be shorter than ${MAX_MESSAGE_BYTES} bytes`);
      }
      if (this.fifo && !m.groupId) throw new QueuePublishError('a FIFO queue needs a MessageGroupId');
    }
    const now = this.now();
    for (const [id, expires] of this.dedup) if (expires <= now) this.dedup.delete(id);
    for (const m of messages) {
      const stored: StoredMessage = {
        messageId: randomUUID(),
        body: m.body,
        sentAt: now,
        receiveCount: 0,
        visibleAt: now,
        inFlight: false,
      };
      if (this.fifo) {
        // Content-based deduplication when no id is given, as a FIFO queue with it enabled does.
        const dedupId = m.deduplicationId ?? createHash('sha256').update(m.body).digest('hex');
        if (this.dedup.has(dedupId)) continue;
        this.dedup.set(dedupId, now + DEDUP_WINDOW_MS);
        this.sequence += 1n;
        Object.assign(stored, {
          groupId: m.groupId,
          deduplicationId: dedupId,
          sequenceNumber: (18_000_000_000_000_000_000n + this.sequence).toString(),
        });
      }
      this.messages.push(stored);
      this.sent += 1;
    }
    this.schedule(0);
  }

  stats(): QueueStats {
    const now = this.now();
    const waiting = this.messages.filter((m) => !m.inFlight);
    const delayed = waiting.filter((m) => m.visibleAt > now);
    return {
      name: this.options.name,
      fifo: this.fifo,
      depth: waiting.length,
      inFlight: this.messages.length - waiting.length,
      delayed: delayed.length,
      dlq: this.dlq.size,
      sent: this.sent,
      deleted: this.deleted,
      nextRetryAt: delayed.length ? Math.min(...delayed.map((m) => m.visibleAt)) : null,
    };
  }

  /**
   * ChangeMessageVisibility: the in-flight message with this receipt handle becomes visible again
   * `seconds` from now (whether its batch then fails or not decides if it is delivered again).
   */
  changeVisibility(receiptHandle: string, seconds: number): void {
    const m = this.messages.find((x) => x.inFlight && x.receiptHandle === receiptHandle);
    if (!m) throw new Error('ReceiptHandleIsInvalid: the receipt handle is not of a message in flight');
    m.visibleAt = this.now() + seconds * 1000;
  }

  /** Moves every dead letter back to the queue (a DLQ redrive). */
  redrive(): number {
    const moved = this.dlq.takeAll();
    const now = this.now();
    for (const d of moved) {
      this.messages.push({
        messageId: d.messageId,
        body: d.body,
        ...(d.groupId ? { groupId: d.groupId } : {}),
        sentAt: d.sentAt,
        receiveCount: 0,
        visibleAt: now,
        inFlight: false,
      });
    }
    this.schedule(0);
    return moved.length;
  }

  /** Resolves once nothing is waiting or in flight (dead letters aside). */
  async idle(pollMs = 20): Promise<void> {
    while (this.messages.length > 0) await new Promise((r) => setTimeout(r, pollMs));
  }

  /** Stops delivering and waits for the batches in flight. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await Promise.allSettled([...this.batches]);
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pump(), Math.max(0, delayMs));
  }

  private pump(): void {
    this.timer = undefined;
    while (!this.closed && this.running < (this.options.maxConcurrency ?? 2)) {
      const batch = this.takeBatch();
      if (!batch.length) break;
      this.running += 1;
      const p = this.deliver(batch).finally(() => {
        this.running -= 1;
        this.batches.delete(p);
        this.schedule(0);
      });
      this.batches.add(p);
    }
    const now = this.now();
    const pending = this.messages.filter((m) => !m.inFlight && m.visibleAt > now);
    if (pending.length) this.schedule(Math.min(...pending.map((m) => m.visibleAt)) - now);
  }

  private takeBatch(): StoredMessage[] {
    const now = this.now();
    const size = this.options.batchSize ?? 10;
    const batch: StoredMessage[] = [];
    if (!this.fifo) {
      for (const m of this.messages) {
        if (batch.length >= size) break;
        if (!m.inFlight && m.visibleAt <= now) batch.push(m);
      }
    } else {
      const blocked = new Set<string>();
      for (const m of this.messages) {
        if (batch.length >= size) break;
        const group = m.groupId ?? '';
        if (blocked.has(group)) continue;
        // The head of a group decides for the group: in flight or delayed blocks all behind it.
        if (m.inFlight || m.visibleAt > now) {
          blocked.add(group);
          continue;
        }
        batch.push(m);
      }
    }
    for (const m of batch) {
      m.inFlight = true;
      m.receiveCount += 1;
      m.firstReceiveAt ??= now;
      m.receiptHandle = randomBytes(48).toString('base64');
      // As in SQS, the visibility timeout runs from the receive; a failure shows after it.
      m.visibleAt = now + (this.options.visibilityTimeoutMs ?? 30_000);
    }
    return batch;
  }

  private toRecord(m: StoredMessage): SQSRecord {
    return {
      messageId: m.messageId,
      receiptHandle: m.receiptHandle ?? '',
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt),
        SenderId: this.options.accountId,
        ApproximateFirstReceiveTimestamp: String(m.firstReceiveAt ?? this.now()),
        ...(this.fifo
          ? {
              SequenceNumber: m.sequenceNumber,
              MessageGroupId: m.groupId,
              MessageDeduplicationId: m.deduplicationId,
            }
          : {}),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(m.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: this.arn,
      awsRegion: this.options.region,
    };
  }

  /** The ids of the failed records, or all of them when the response cannot be trusted. */
  private failedIds(batch: StoredMessage[], response: unknown): Set<string> {
    const all = new Set(batch.map((m) => m.messageId));
    if (!isRecord(response) || !('batchItemFailures' in response)) return new Set();
    const failures = (response as Partial<SQSBatchResponse>).batchItemFailures;
    if (!Array.isArray(failures)) return all;
    const ids = new Set<string>();
    for (const f of failures) {
      const id: unknown = isRecord(f) ? f.itemIdentifier : undefined;
      if (typeof id !== 'string' || !all.has(id)) return all;
      ids.add(id);
    }
    return ids;
  }

  private async deliver(batch: StoredMessage[]): Promise<void> {
    let failed: Set<string>;
    let error: string | undefined;
    try {
      failed = this.failedIds(
        batch,
        await this.options.consumer({ Records: batch.map((m) => this.toRecord(m)) }),
      );
      if (failed.size) error = 'reported in batchItemFailures';
    } catch (e) {
      failed = new Set(batch.map((m) => m.messageId));
      error = (e as Error).message;
    }
    const now = this.now();
    for (const m of batch) {
      m.inFlight = false;
      if (!failed.has(m.messageId)) {
        this.remove(m);
        this.deleted += 1;
        continue;
      }
      m.lastError = error;
      if (m.receiveCount >= (this.options.maxReceiveCount ?? 3)) {
        this.remove(m);
        this.dlq.push({
          messageId: m.messageId,
          body: m.body,
          ...(m.groupId ? { groupId: m.groupId } : {}),
          receiveCount: m.receiveCount,
          sentAt: m.sentAt,
          deadAt: now,
          ...(error ? { lastError: error } : {}),
        });
      }
    }
  }

  private remove(m: StoredMessage): void {
    this.messages = this.messages.filter((x) => x !== m);
  }
}
