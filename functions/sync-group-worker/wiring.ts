/** sync-group-worker, wired once for Lambda, the local stack and the harnesses. */
import { workerConfigFromEnv } from '../../shared/group-sync/config';
import { powertoolsGroupSyncMetrics } from '../../shared/group-sync/metrics';
import {
  type BuildWorkerInput,
  buildGroupSyncWorker,
  WORKER_SERVICE,
} from '../../shared/group-sync/worker-deps';
import { mesiboOptionsFromEnv } from '../../shared/mesibo/env';
import { createLogger } from '../../shared/observability/logger';
import { functionMetrics } from '../../shared/observability/mesibo-metrics';
import { wireMesibo } from '../../shared/runtime/mesibo-wiring';
import type { FunctionWiring } from '../../shared/runtime/platform';
import { createHandler, type WorkerHandler } from './handler';

/** What a harness or a fault simulation may replace: logging, counters, leases, ids, and stops between steps. */
export type WorkerOverrides = Partial<
  Pick<BuildWorkerInput, 'logger' | 'metrics' | 'newId' | 'creationLeaseMs' | 'editsInFlight' | 'checkpoint'>
>;

export const wire: FunctionWiring<WorkerHandler, 'dynamo' | 'secret' | 'mesibo', WorkerOverrides> = async (
  env,
  platform,
  overrides = {},
) => {
  const config = workerConfigFromEnv(env);
  const endpoint = mesiboOptionsFromEnv(env);
  const logger = overrides.logger ?? createLogger(WORKER_SERVICE);
  // One Metrics for the counters and the mesibo calls: the handler's flush writes both in one line.
  const metrics = functionMetrics(WORKER_SERVICE, env);
  const [{ doc }, { mesibo, requireMesibo }] = await Promise.all([
    platform.dynamo(),
    wireMesibo(platform, { endpoint, appTokenSecretId: config.appTokenSecretId, logger, metrics }),
  ]);
  return createHandler(
    buildGroupSyncWorker({
      config,
      doc,
      mesibo,
      requireMesibo,
      clock: platform.clock,
      logger,
      metrics: powertoolsGroupSyncMetrics(metrics),
      ...overrides,
    }),
  );
};
