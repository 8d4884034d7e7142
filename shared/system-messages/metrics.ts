/** NotifyMetrics as CloudWatch EMF through Powertools Metrics, flushed once per invocation. */
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { publishMetrics } from '../observability/mesibo-metrics';
import type { NotifyMetrics } from './ports';

export interface FlushableMetrics extends NotifyMetrics {
  flush(): void;
}

/** Counts into the function's Metrics, so one EMF line per invocation carries them with the mesibo metrics. */
export const emfNotifyMetrics = (metrics: Metrics): FlushableMetrics => {
  return {
    count(name, value = 1) {
      if (value > 0) metrics.addMetric(name, MetricUnit.Count, value);
    },
    flush: () => publishMetrics(metrics),
  };
};
