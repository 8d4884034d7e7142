/**
 * The mesibo client every function that calls mesibo builds the same way: the app token from its
 * secret (placeholder refused), the function's logger, the mesibo call metrics counted into the
 * function's own Metrics (so the handler runtime's one flush writes both in one EMF line), and a trace
 * subsegment per call when tracing is on.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { MesiboEndpoint } from '../mesibo/env';
import type { MesiboClient } from '../mesibo/types';
import { mesiboLoggerFrom } from '../observability/mesibo-logger';
import { mesiboCallMetrics } from '../observability/mesibo-metrics';
import { loadTracer, tracingEnabled } from '../observability/tracing';
import { appTokenSource, requireAppToken } from '../secrets/app-token';
import type { Platform } from './platform';

export interface WiredMesibo {
  mesibo: MesiboClient;
  /** Throws AppTokenUnsetError while the secret holds the placeholder. */
  requireMesibo: () => Promise<void>;
}

export const wireMesibo = async (
  platform: Pick<Platform, 'secret' | 'mesibo'>,
  input: {
    endpoint: MesiboEndpoint;
    appTokenSecretId: string;
    maxAgeSeconds?: number;
    logger: Logger;
    metrics: Metrics;
  },
): Promise<WiredMesibo> => {
  const secret = await platform.secret(
    input.appTokenSecretId,
    input.maxAgeSeconds === undefined ? {} : { maxAgeSeconds: input.maxAgeSeconds },
  );
  const appToken = appTokenSource(secret, { secretId: input.appTokenSecretId, logger: input.logger });
  const aroundCall = tracingEnabled()
    ? (await import('../observability/mesibo-tracing')).tracedMesiboCalls(await loadTracer())
    : undefined;
  const mesibo = await platform.mesibo({
    ...input.endpoint,
    appToken,
    logger: mesiboLoggerFrom(input.logger),
    onCall: mesiboCallMetrics(input.metrics),
    ...(aroundCall ? { aroundCall } : {}),
  });
  return { mesibo, requireMesibo: requireAppToken(appToken) };
};
