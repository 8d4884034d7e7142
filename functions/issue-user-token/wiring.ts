/**
 * issue-user-token, wired once for Lambda, the local stack and the harnesses. Settings are checked and
 * the DynamoDB client built at init; the mesibo client and the app token's secret (and their modules)
 * wait for the first cache miss: a cache hit needs neither.
 */
import { mesiboOptionsFromEnv } from '../../shared/mesibo/env';
import { createLogger } from '../../shared/observability/logger';
import { functionMetrics } from '../../shared/observability/mesibo-metrics';
import type { FunctionWiring } from '../../shared/runtime/platform';
import { tokenConfigFromEnv } from '../../shared/user-tokens/config';
import { type BuildTokenDepsInput, buildTokenDeps, SERVICE_NAME } from '../../shared/user-tokens/deps';
import { powertoolsTokenMetrics } from '../../shared/user-tokens/metrics';
import { createHandler, type TokenHandler } from './handler';

/** What a harness may replace: the logger and the token counters, the waits and the jitter. */
export type TokenOverrides = Partial<Pick<BuildTokenDepsInput, 'logger' | 'metrics' | 'sleep' | 'random'>>;

export const wire: FunctionWiring<TokenHandler, 'dynamo' | 'secret' | 'mesibo', TokenOverrides> = async (
  env,
  platform,
  overrides = {},
) => {
  const config = tokenConfigFromEnv(env);
  const endpoint = mesiboOptionsFromEnv(env);
  const logger = overrides.logger ?? createLogger(SERVICE_NAME);
  // One Metrics for the token counters and the mesibo calls: the handler's flush writes both.
  const metrics = functionMetrics(SERVICE_NAME, env);
  const { doc } = await platform.dynamo();
  const mesibo = async () => {
    const { wireMesibo } = await import('../../shared/runtime/mesibo-wiring');
    const wired = await wireMesibo(platform, {
      endpoint,
      appTokenSecretId: config.appTokenSecretId,
      maxAgeSeconds: config.appTokenMaxAgeSeconds,
      logger,
      metrics,
    });
    return wired.mesibo;
  };
  return createHandler(
    buildTokenDeps({
      config,
      doc,
      mesibo,
      clock: platform.clock,
      logger,
      metrics: powertoolsTokenMetrics(metrics),
      ...overrides,
    }),
  );
};
