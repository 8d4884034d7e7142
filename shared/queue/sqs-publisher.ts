/**
 * A QueuePublisher on SQS SendMessageBatch: chunks of at most 10 entries and 1 MiB, FIFO group and
 * deduplication ids passed through, entries SQS rejects for a transient reason resent a bounded number
 * of times with jittered backoff, then a QueuePublishError naming what was not accepted.
 *
 * Ordering note: a resent entry lands after entries that were accepted in the same call. Callers that
 * need strict per-group order across several messages should publish them in separate calls.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import type { QueueMessage, QueuePublisher } from '../ports';
import { SQS_MAX_BATCH_ENTRIES, SQS_MAX_PAYLOAD_BYTES } from './limits';

export interface PublishFailure {
  /** Index of the message in the `publish` call. */
  index: number;
  code: string;
  senderFault: boolean;
}

export class QueuePublishError extends Error {
  override readonly name = 'QueuePublishError';
  constructor(readonly failures: PublishFailure[]) {
    super(
      `SQS did not accept ${failures.length} message(s): ${[...new Set(failures.map((f) => f.code))].join(', ')}`,
    );
  }
}

export interface SqsPublisherOptions {
  queueUrl: string;
  /** Created on first publish when omitted, so importing this module costs nothing. */
  client?: SQSClient;
  /** Sends per entry, the first included (default 3). */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface Pending {
  index: number;
  message: QueueMessage;
  bytes: number;
}

/** Splits into batches of at most 10 entries whose bodies add up to at most the payload limit. */
const toBatches = (pending: Pending[]): Pending[][] => {
  const batches: Pending[][] = [];
  let current: Pending[] = [];
  let bytes = 0;
  for (const item of pending) {
    if (current.length === SQS_MAX_BATCH_ENTRIES || bytes + item.bytes > SQS_MAX_PAYLOAD_BYTES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.bytes;
  }
  if (current.length) batches.push(current);
  return batches;
};

const toEntry = (item: Pending): SendMessageBatchRequestEntry => ({
  Id: String(item.index),
  MessageBody: item.message.body,
  ...(item.message.groupId ? { MessageGroupId: item.message.groupId } : {}),
  ...(item.message.deduplicationId ? { MessageDeduplicationId: item.message.deduplicationId } : {}),
});

export const createSqsPublisher = (options: SqsPublisherOptions): QueuePublisher => {
  const maxAttempts = options.maxAttempts ?? 3;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 2000;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? sleepFor;
  let client = options.client;

  /** One SendMessageBatch; returns what SQS did not accept, each with its error code. */
  const sendBatch = async (batch: Pending[]) => {
    client ??= new SQSClient({});
    const out = await client.send(
      new SendMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: batch.map(toEntry) }),
    );
    return (out.Failed ?? []).flatMap((failed) => {
      const item = batch.find((p) => String(p.index) === failed.Id);
      if (!item) return [];
      return [{ item, code: failed.Code ?? 'Unknown', senderFault: failed.SenderFault === true }];
    });
  };

  return {
    publish: async (messages) => {
      const all: Pending[] = messages.map((message, index) => ({
        index,
        message,
        bytes: Buffer.byteLength(message.body),
      }));
      const oversized = all.filter((p) => p.bytes > SQS_MAX_PAYLOAD_BYTES);
      if (oversized.length) {
        throw new QueuePublishError(
          oversized.map((p) => ({ index: p.index, code: 'MessageTooLong', senderFault: true })),
        );
      }

      let pending = all;
      const failures: PublishFailure[] = [];
      for (let attempt = 1; pending.length; attempt++) {
        if (attempt > 1) await sleep(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)));
        const rejected = [];
        for (const batch of toBatches(pending)) rejected.push(...(await sendBatch(batch)));
        // A sender fault (bad id, too large, ...) fails the same way every time: never resent.
        const transient = rejected.filter((r) => !r.senderFault);
        const final = attempt >= maxAttempts ? rejected : rejected.filter((r) => r.senderFault);
        failures.push(
          ...final.map((r) => ({ index: r.item.index, code: r.code, senderFault: r.senderFault })),
        );
        pending = attempt >= maxAttempts ? [] : transient.map((r) => r.item);
      }
      if (failures.length) throw new QueuePublishError(failures.sort((a, b) => a.index - b.index));
    },
  };
};
