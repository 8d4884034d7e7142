/**
 * The counters the token use cases emit, as a small port: production writes CloudWatch EMF through
 * Powertools Metrics, tests pass a recorder (or `noMetrics`) so no EMF lines are printed.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export type TokenMetricName =
  | 'TokenCacheHit'
  | 'TokenCacheMiss'
  /** A valid cached token was returned because mesibo failed or another request was refreshing it. */
  | 'TokenServedStale'
  | 'TokenIssued'
  | 'MesiboCall'
  | 'MesiboError';

export interface TokenMetrics {
  /** Counts one event; `op` and `errorCode` become the `Op` and `ErrorCode` dimensions. */
  count(name: TokenMetricName, detail?: { op?: string; errorCode?: string }): void;
  /** Writes what was counted during this invocation. */
  flush(): void;
}

export const noMetrics: TokenMetrics = { count: () => {}, flush: () => {} };

export const DEFAULT_METRICS_NAMESPACE = 'MesiboServerless';

export const powertoolsTokenMetrics = (
  metrics: Metrics = new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || DEFAULT_METRICS_NAMESPACE,
    serviceName: 'issue-user-token',
  }),
): TokenMetrics => ({
  count(name, detail = {}) {
    if (!detail.op && !detail.errorCode) {
      metrics.addMetric(name, MetricUnit.Count, 1);
      return;
    }
    // Per-call dimensions must not leak onto the other metrics of the invocation.
    const single = metrics.singleMetric();
    if (detail.op) single.addDimension('Op', detail.op);
    if (detail.errorCode) single.addDimension('ErrorCode', detail.errorCode);
    single.addMetric(name, MetricUnit.Count, 1);
  },
  flush() {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  },
});
