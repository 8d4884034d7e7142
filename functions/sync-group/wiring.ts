/** sync-group, wired once for Lambda, the local stack and the harnesses: no mesibo client at all. */
import { receiverConfigFromEnv } from '../../shared/group-sync/config';
import { powertoolsGroupSyncMetrics } from '../../shared/group-sync/metrics';
import {
  type BuildReceiverInput,
  buildWebhookReceiver,
  RECEIVER_SERVICE,
} from '../../shared/group-sync/receiver-deps';
import { functionMetrics } from '../../shared/observability/mesibo-metrics';
import type { FunctionWiring } from '../../shared/runtime/platform';
import { createHandler, type WebhookHandler } from './handler';

/** What a harness may replace: the logger and the counters. */
export type ReceiverOverrides = Partial<Pick<BuildReceiverInput, 'logger' | 'metrics'>>;

export const wire: FunctionWiring<WebhookHandler, 'dynamo' | 'secret' | 'queue', ReceiverOverrides> = async (
  env,
  platform,
  overrides = {},
) => {
  const config = receiverConfigFromEnv(env);
  const [{ doc }, webhookSecrets, queue] = await Promise.all([
    platform.dynamo(),
    platform.secret(config.webhookSecretId),
    platform.queue(config.queueUrl),
  ]);
  return createHandler(
    buildWebhookReceiver({
      config,
      doc,
      webhookSecrets,
      queue,
      clock: platform.clock,
      metrics: powertoolsGroupSyncMetrics(functionMetrics(RECEIVER_SERVICE, env)),
      ...overrides,
    }),
  );
};
