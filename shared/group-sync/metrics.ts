/**
 * Group-sync counters as a small port: production writes CloudWatch EMF through Powertools Metrics,
 * tests pass `noGroupSyncMetrics`.
 */
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { publishMetrics } from '../observability/mesibo-metrics';

export type GroupSyncMetricName =
  | 'WebhookQueued'
  | 'WebhookDuplicate'
  | 'WebhookStale'
  /** Refused with a 4xx; the `Code` dimension names why (signature-invalid, invalid-request, ...). */
  | 'WebhookRefused'
  | 'DeliveryApplied'
  | 'DeliveryStale'
  | 'DeliveryDuplicate'
  | 'DeliveryRejected'
  | 'DeliveryFailed'
  | 'GroupCreated'
  /** groupeditmembers calls made. */
  | 'MemberEdits'
  | 'MembersAdded'
  | 'MembersRemoved';

export interface GroupSyncMetrics {
  count(name: GroupSyncMetricName, value?: number, detail?: { code?: string }): void;
  flush(): void;
}

export const noGroupSyncMetrics: GroupSyncMetrics = { count: () => {}, flush: () => {} };

/** Counts into the function's Metrics, so one EMF line per invocation carries them with the mesibo metrics. */
export const powertoolsGroupSyncMetrics = (metrics: Metrics): GroupSyncMetrics => {
  return {
    count(name, value = 1, detail = {}) {
      if (!detail.code) {
        metrics.addMetric(name, MetricUnit.Count, value);
        return;
      }
      // A per-event dimension must not leak onto the other metrics of the invocation.
      const single = metrics.singleMetric();
      single.addDimension('Code', detail.code);
      single.addMetric(name, MetricUnit.Count, value);
    },
    flush: () => publishMetrics(metrics),
  };
};
