/**
 * The local stack's Platform: the same wirings as in Lambda (functions/<name>/wiring.ts) get dynalite
 * through the real DynamoDB client, the local queues and scheduler, the secrets of the state
 * directory, and mesibo clients pointed at the emulator (or the real mesibo) by their settings.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createMesiboClient } from '../shared/mesibo';
import type { Clock, QueuePublisher, RedeliveryDelay, SecretSource } from '../shared/ports';
import type { Platform } from '../shared/runtime/platform';
import type { DeadLetterQueue, LocalQueue } from './queue/local-queue';
import type { LocalOneTimeScheduler } from './scheduler/one-time';

/** The secret ids the local functions are given; Secrets Manager would hold these names. */
export const LOCAL_SECRET_IDS = {
  appToken: 'local/mesibo-app-token',
  webhook: 'local/webhook-secret',
} as const;

export interface LocalParts {
  dynamo: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  /** The mesibo app token, as Secrets Manager would hand it out. */
  appToken: SecretSource;
  /** SecretString JSON `{"current": "...", "previous": "..."}`. */
  webhookSecret: SecretSource;
  /** Every local queue a function may send to, dead-letter queues included. */
  queues: readonly (LocalQueue | DeadLetterQueue)[];
  /** The queues whose messages a function may delay (the ones with an event source). */
  consumed: readonly LocalQueue[];
  oneTimeScheduler: LocalOneTimeScheduler;
  clock: Clock;
}

/** `https://sqs.<region>.amazonaws.com/<account>/<name>` and `arn:aws:sqs:<region>:<account>:<name>` both end in the name. */
const queueName = (urlOrArn: string): string => urlOrArn.split(/[/:]/).pop() ?? '';

export const localPlatform = (parts: LocalParts, onClose: (close: () => Promise<void>) => void): Platform => {
  const secrets: Record<string, SecretSource> = {
    [LOCAL_SECRET_IDS.appToken]: parts.appToken,
    [LOCAL_SECRET_IDS.webhook]: parts.webhookSecret,
  };
  const byName = (urlOrArn: string) => parts.queues.find((q) => queueName(q.arn) === queueName(urlOrArn));
  const redelivery: RedeliveryDelay = {
    delay: async (message, seconds) => {
      const queue = parts.consumed.find((q) => q.arn === message.eventSourceARN);
      if (!queue) throw new Error(`no local queue ${message.eventSourceARN}`);
      queue.changeVisibility(message.receiptHandle, seconds);
    },
  };
  return {
    clock: parts.clock,
    dynamo: async () => ({ client: parts.dynamo, doc: parts.doc }),
    secret: async (secretId) => {
      const source = secrets[secretId];
      if (!source) throw new Error(`no local secret ${secretId}`);
      return source;
    },
    queue: async (queueUrl): Promise<QueuePublisher> => {
      const queue = byName(queueUrl);
      if (!queue) throw new Error(`no local queue for ${queueUrl}`);
      return queue;
    },
    redelivery: async () => redelivery,
    // Every local one-time schedule targets send-system-message, whatever ARN is asked for.
    scheduler: async () => () => parts.oneTimeScheduler,
    mesibo: async (options) => {
      const client = createMesiboClient(options);
      onClose(() => client.close());
      return client;
    },
  };
};
