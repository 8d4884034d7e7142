/**
 * The counters the token use cases emit, as a small port: production writes CloudWatch EMF through
 * Powertools Metrics, tests pass a recorder (or `noMetrics`) so no EMF lines are printed. mesibo calls
 * are counted by the mesibo client's observer (shared/observability/mesibo-metrics.ts), not here.
 */
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { functionMetrics, publishMetrics } from '../observability/mesibo-metrics';

export type TokenMetricName =
  | 'TokenCacheHit'
  | 'TokenCacheMiss'
  /** A valid cached token was returned because mesibo failed or another request was refreshing it. */
  | 'TokenServedStale'
  | 'TokenIssued'
  /** An issued token replaced one that was still valid (mesibo keeps one per user and appid). */
  | 'TokenReplacedLive';

export interface TokenMetrics {
  count(name: TokenMetricName): void;
  /** Writes what was counted during this invocation. */
  flush(): void;
}

export const noMetrics: TokenMetrics = { count: () => {}, flush: () => {} };

export const powertoolsTokenMetrics = (
  metrics: Metrics = functionMetrics('issue-user-token'),
): TokenMetrics => ({
  count(name) {
    metrics.addMetric(name, MetricUnit.Count, 1);
  },
  flush() {
    publishMetrics(metrics);
  },
});
