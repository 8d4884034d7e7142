/** NotifyMetrics as CloudWatch EMF through Powertools Metrics, flushed once per invocation. */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { NotifyMetrics } from './ports';

export const METRICS_NAMESPACE = 'MesiboServerless';

export interface FlushableMetrics extends NotifyMetrics {
  flush(): void;
}

export const emfNotifyMetrics = (serviceName: string): FlushableMetrics => {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
  return {
    count(name, value = 1) {
      if (value > 0) metrics.addMetric(name, MetricUnit.Count, value);
    },
    flush() {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    },
  };
};
