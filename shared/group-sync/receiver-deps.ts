/**
 * The webhook route's (sync-group) dependencies from ready adapters: its wiring
 * (functions/sync-group/wiring.ts) passes the platform's, the harnesses their own. Kept apart from the
 * worker's so the route's bundle never loads the mesibo client.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createLogger } from '../observability/logger';
import { functionMetrics } from '../observability/mesibo-metrics';
import { type Clock, type QueuePublisher, type SecretSource, systemClock } from '../ports';
import { webhookSecretsLoader } from '../webhook/secrets';
import type { ReceiverConfig } from './config';
import { dynamoGroupState } from './dynamo-state';
import { powertoolsLogger } from './logging';
import { type GroupSyncMetrics, powertoolsGroupSyncMetrics } from './metrics';
import { createWebhookReceiver, type WebhookReceiver } from './receive';

export const RECEIVER_SERVICE = 'sync-group';

export interface BuildReceiverInput {
  config: Omit<ReceiverConfig, 'webhookSecretId' | 'queueUrl'>;
  doc: DynamoDBDocumentClient;
  /** SecretString JSON `{"current","previous"}`; the source caches it in memory. */
  webhookSecrets: SecretSource;
  queue: QueuePublisher;
  clock?: Clock;
  logger?: Logger;
  metrics?: GroupSyncMetrics;
}

export interface WebhookReceiverDeps {
  receive: WebhookReceiver;
  logger: Logger;
  metrics: GroupSyncMetrics;
}

export const buildWebhookReceiver = (input: BuildReceiverInput): WebhookReceiverDeps => {
  const clock = input.clock ?? systemClock;
  const logger = input.logger ?? createLogger(RECEIVER_SERVICE);
  const receive = createWebhookReceiver({
    secrets: webhookSecretsLoader(input.webhookSecrets, { clock }),
    store: dynamoGroupState({
      doc: input.doc,
      tableName: input.config.groupsTable,
      clock,
      recordTtlSeconds: input.config.recordTtlSeconds,
    }),
    queue: input.queue,
    clock,
    logger: powertoolsLogger(logger),
    config: input.config,
  });
  return {
    receive,
    logger,
    metrics: input.metrics ?? powertoolsGroupSyncMetrics(functionMetrics(RECEIVER_SERVICE)),
  };
};
