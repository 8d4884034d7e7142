/**
 * The same mesibo metrics from every function that calls mesibo, as CloudWatch EMF through Powertools.
 * Stored (one EMF line per invocation, `service` dimension only, which the error-rate alarm divides):
 * `MesiboCall`, `MesiboLatency` per call and `MesiboError` per failed call. Each failure is also written
 * at once as `MesiboError` by `Op` and `ErrorCode`: per-call dimensions must not reach the stored set.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MesiboCallObserver } from '../mesibo/options';

export const DEFAULT_METRICS_NAMESPACE = 'MesiboServerless';

/** A function's metrics: namespace from POWERTOOLS_METRICS_NAMESPACE, the function as `service`. */
export const functionMetrics = (
  serviceName: string,
  env: Record<string, string | undefined> = process.env,
): Metrics =>
  new Metrics({ namespace: env.POWERTOOLS_METRICS_NAMESPACE || DEFAULT_METRICS_NAMESPACE, serviceName });

/** Writes what this invocation stored; handlers call it once per invocation. */
export const publishMetrics = (metrics: Metrics): void => {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
};

/** A code-shaped value only: anything else could be upstream free text (and unbounded cardinality). */
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,31}$/;
const errorCode = (error: string | undefined): string =>
  error !== undefined && ERROR_CODE.test(error) ? error : 'UNKNOWN';

export const mesiboCallMetrics =
  (metrics: Metrics): MesiboCallObserver =>
  (call) => {
    metrics.addMetric('MesiboCall', MetricUnit.Count, 1);
    metrics.addMetric('MesiboLatency', MetricUnit.Milliseconds, Math.round(call.durationMs));
    if (call.ok) return;
    metrics.addMetric('MesiboError', MetricUnit.Count, 1);
    const single = metrics.singleMetric();
    single.addDimension('Op', call.op);
    single.addDimension('ErrorCode', errorCode(call.error));
    single.addMetric('MesiboError', MetricUnit.Count, 1);
  };
