/** send-system-message-worker, wired once for Lambda, the local stack and the harnesses. */
import { mesiboOptionsFromEnv } from '../../shared/mesibo/env';
import { createLogger } from '../../shared/observability/logger';
import { functionMetrics } from '../../shared/observability/mesibo-metrics';
import { wireMesibo } from '../../shared/runtime/mesibo-wiring';
import type { FunctionWiring } from '../../shared/runtime/platform';
import { workerConfigFromEnv } from '../../shared/system-messages/config';
import { buildWorkerDeps, WORKER_SERVICE, type WorkerAdapters } from '../../shared/system-messages/deps';
import { emfNotifyMetrics } from '../../shared/system-messages/metrics';
import { queueDeadLetters } from '../../shared/system-messages/sqs-adapters';
import { createHandler } from './handler';

/** What a harness may replace: the logger, the counters and the backoff jitter. */
export type WorkerOverrides = Partial<Pick<WorkerAdapters, 'logger' | 'metrics' | 'random'>>;

export const wire: FunctionWiring<
  ReturnType<typeof createHandler>,
  'dynamo' | 'secret' | 'queue' | 'redelivery' | 'mesibo',
  WorkerOverrides
> = async (env, platform, overrides = {}) => {
  const config = workerConfigFromEnv(env);
  const endpoint = mesiboOptionsFromEnv(env);
  const logger = overrides.logger ?? createLogger(WORKER_SERVICE);
  // One Metrics for the counters and the mesibo calls: the handler's flush writes both in one line.
  const metrics = functionMetrics(WORKER_SERVICE, env);
  const [{ doc }, queue, dlq, redelivery, { mesibo, requireMesibo }] = await Promise.all([
    platform.dynamo(),
    platform.queue(config.fanoutQueueUrl),
    platform.queue(config.fanoutDlqUrl),
    platform.redelivery(),
    wireMesibo(platform, { endpoint, appTokenSecretId: config.appTokenSecretId, logger, metrics }),
  ]);
  return createHandler(
    buildWorkerDeps({
      config,
      doc,
      mesibo,
      requireMesibo,
      queue,
      deadLetters: queueDeadLetters(dlq),
      redelivery,
      clock: platform.clock,
      logger,
      metrics: emfNotifyMetrics(metrics),
      ...overrides,
    }),
  );
};
