/**
 * Alarms to one SNS topic, and one dashboard. Function-emitted metrics are EMF (Powertools) in the
 * stage's namespace. Every mesibo-calling function emits MesiboCall, MesiboError and MesiboLatency on
 * its `service` dimension (shared/observability/mesibo-metrics.ts), which the error-rate alarm and the
 * latency graphs use; MesiboError by Op and ErrorCode, and the other counters, are read with CloudWatch
 * Metrics Insights queries. mesibo TOKENBREACH/AUTHFAIL are found in the JSON logs of every
 * mesibo-calling function by a metric filter: one such error means the app is (about to be) disabled,
 * and a log filter sees it wherever it is logged, whatever the metrics pipeline does.
 */
import { CfnOutput, Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionName } from '../../shared/functions';
import type { Api } from './api';

export interface OperationsProps {
  stage: string;
  namespace: string;
  alarmEmail?: string;
  /** An existing topic (on-call tool, chat) that every alarm also notifies. */
  alarmTopicArn?: string;
  key?: kms.IKey;
  api: Api;
  functions: Record<FunctionName, lambda.IFunction>;
  logGroups: Record<FunctionName, logs.ILogGroup>;
  /** The function that applies group-sync events (its `service` dimension). */
  groupSyncWorker: FunctionName;
  /** Functions whose logs can carry mesibo errors. */
  mesiboFunctions: readonly FunctionName[];
  queues: { groupSync: sqs.IQueue; fanout: sqs.IQueue };
  deadLetterQueues: Record<string, sqs.IQueue>;
}

/** mesibo error codes that mean the app token is refused: the app is or will be disabled. */
export const CREDENTIAL_ERROR_CODES = ['TOKENBREACH', 'AUTHFAIL'] as const;
export const loggedErrorMetricName = (code: string): string => `MesiboLogged${code}`;

const FIVE_MINUTES = Duration.minutes(5);

/** Where each alarm's runbook lives: every alarm description ends with its link (test/infra checks both). */
export const RUNBOOK_DOC = 'docs/operations.md';
/**
 * The runbook heading of an alarm id, spelt as the alarm is named (`mesibo-AUTHFAIL`) so a search for
 * the name finds it; per-function alarms share one section per kind.
 */
export const runbookHeading = (alarmId: string): string =>
  alarmId.replace(/^.*-(errors|throttles)$/, 'function-$1');
/** The heading's anchor, as a Markdown renderer makes it (lower case). */
export const runbookAnchor = (alarmId: string): string => runbookHeading(alarmId).toLowerCase();
/** The group-sync worker's per-event failure counter (after the mesibo client's own retries). */
export const GROUP_EVENT_FAILED_METRIC = 'DeliveryFailed';

/**
 * The mesibo error-rate alarm: the share of failed calls (after the client's retries) over five
 * minutes, across the mesibo-calling functions. The stage config has no field for it; 5% catches an
 * outage or a bad credential while tolerating the odd rejected call (e.g. revoking an unknown user).
 */
export const MESIBO_ERROR_RATE_PERCENT = 5;
/** Below this many calls in the period the rate reads 0: one error at low traffic must not page. */
export const MESIBO_ERROR_RATE_MIN_CALLS = 20;

export class Operations extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const ns = props.namespace;

    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `mesibo-serverless ${props.stage} alarms`,
      enforceSSL: true,
      ...(props.key ? { masterKey: props.key } : {}),
    });
    if (props.key) {
      // CloudWatch publishes to an encrypted topic only if the key lets it.
      props.key.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
        }),
      );
    } else {
      Validations.of(this.topic).acknowledge({
        id: 'AwsSolutions-SNS2',
        reason:
          'Alarm notifications carry no customer data; CloudWatch cannot publish to a topic under the AWS-managed SNS key, so encryption comes with the optional customer-managed key (data.customerManagedKey).',
      });
    }
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    new CfnOutput(this, 'AlarmTopicArn', { key: 'AlarmTopicArn', value: this.topic.topicArn });

    const targets = [new actions.SnsAction(this.topic)];
    if (props.alarmTopicArn) {
      targets.push(
        new actions.SnsAction(sns.Topic.fromTopicArn(this, 'AlarmDestination', props.alarmTopicArn)),
      );
    }
    const alarm = (
      alarmId: string,
      metric: cloudwatch.IMetric,
      description: string,
      threshold = 1,
    ): cloudwatch.Alarm => {
      const a = new cloudwatch.Alarm(this, alarmId, {
        // A stable name the operator can search for in the runbook.
        alarmName: `mesibo-serverless-${props.stage}-${alarmId}`,
        metric,
        alarmDescription: `${description}. Runbook: ${RUNBOOK_DOC}#${runbookAnchor(alarmId)}`,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(...targets);
      a.addOkAction(...targets);
      this.alarms.push(a);
      return a;
    };

    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(`${name}-errors`, fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }), `${name} failed`);
      alarm(
        `${name}-throttles`,
        fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
        `${name} was throttled (reserved concurrency or account limit)`,
      );
    }
    for (const [name, dlq] of Object.entries(props.deadLetterQueues)) {
      alarm(
        `${name}-depth`,
        dlq.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
        `${name} holds messages that could not be processed: inspect, fix, redrive`,
      );
    }

    alarm(
      'mesibo-error-rate',
      mesiboErrorRate(ns, props.mesiboFunctions),
      `more than ${MESIBO_ERROR_RATE_PERCENT}% of mesibo calls failed (MesiboError / MesiboCall, all mesibo-calling functions, at least ${MESIBO_ERROR_RATE_MIN_CALLS} calls in 5 minutes)`,
      MESIBO_ERROR_RATE_PERCENT,
    );

    for (const code of CREDENTIAL_ERROR_CODES) {
      const metricName = loggedErrorMetricName(code);
      for (const name of props.mesiboFunctions) {
        new logs.MetricFilter(this, `${name}-${code}`, {
          logGroup: props.logGroups[name],
          filterPattern: logs.FilterPattern.anyTerm(code),
          metricNamespace: ns,
          metricName,
          metricValue: '1',
        });
      }
      alarm(
        `mesibo-${code}`,
        new cloudwatch.Metric({ namespace: ns, metricName, period: FIVE_MINUTES, statistic: 'Sum' }),
        code === 'TOKENBREACH'
          ? 'mesibo TOKENBREACH: the app token was used from more than 5 IPs and the app is disabled; check static egress'
          : 'mesibo AUTHFAIL: the app token is wrong or revoked; update the secret',
      );
    }

    // A failing group event blocks its group (FIFO) until it succeeds or, after maxReceiveCount
    // visibility timeouts (about 30 minutes), reaches the DLQ: page on the first failure instead.
    alarm(
      'group-sync-failing',
      new cloudwatch.Metric({
        namespace: ns,
        metricName: GROUP_EVENT_FAILED_METRIC,
        dimensionsMap: { service: props.groupSyncWorker },
        period: FIVE_MINUTES,
        statistic: 'Sum',
      }),
      'a group-sync event failed after the mesibo client retries; its group is blocked until it applies or dead-letters',
    );

    const api = props.api.httpApi;
    alarm(
      'api-5xx',
      api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
      'HTTP API 5xx responses',
      5,
    );

    this.dashboard = this.buildDashboard(props);
  }

  private buildDashboard(props: OperationsProps): cloudwatch.Dashboard {
    const ns = props.namespace;
    const api = props.api.httpApi;
    const period = FIVE_MINUTES;
    const tokenMetric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: ns,
        metricName,
        dimensionsMap: { service: 'issue-user-token' },
        period,
        statistic: 'Sum',
      });
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `mesibo-serverless-${props.stage}`,
    });
    const graph = (title: string, left: cloudwatch.IMetric[], right: cloudwatch.IMetric[] = []) =>
      new cloudwatch.GraphWidget({ title, left, right, width: 8, height: 6 });

    dashboard.addWidgets(
      graph(
        'Requests',
        [
          api.metricCount({ period, label: 'requests' }),
          api.metricClientError({ period, label: '4xx' }),
          api.metricServerError({ period, label: '5xx' }),
        ],
        [api.metricLatency({ period, statistic: 'p99', label: 'latency p99 (ms)' })],
      ),
      graph('Token cache hit rate (%)', [
        new cloudwatch.MathExpression({
          expression: '100 * hit / (hit + miss)',
          usingMetrics: { hit: tokenMetric('TokenCacheHit'), miss: tokenMetric('TokenCacheMiss') },
          label: 'hit rate',
          period,
        }),
      ]),
      graph('Tokens', [
        tokenMetric('TokenIssued'),
        tokenMetric('TokenCacheHit'),
        tokenMetric('TokenServedStale'),
      ]),
    );
    const mesibo = (metricName: string, service: string, statistic: string, label: string) =>
      new cloudwatch.Metric({
        namespace: ns,
        metricName,
        dimensionsMap: { service },
        period,
        statistic,
        label,
      });
    dashboard.addWidgets(
      graph(
        'mesibo calls and error rate',
        props.mesiboFunctions.map((name) => mesibo('MesiboCall', name, 'Sum', `${name} calls`)),
        [mesiboErrorRate(ns, props.mesiboFunctions)],
      ),
      // Per function: percentiles cannot be combined across dimension values.
      graph(
        'mesibo latency p50 / p99 (ms)',
        props.mesiboFunctions.flatMap((name) => [
          mesibo('MesiboLatency', name, 'p50', `${name} p50`),
          mesibo('MesiboLatency', name, 'p99', `${name} p99`),
        ]),
      ),
      graph('mesibo errors by code', [
        // SCHEMA: only the per-code series; the service-only MesiboError would count each error twice.
        insights(
          `SELECT SUM(MesiboError) FROM SCHEMA("${ns}", ErrorCode, Op, service) GROUP BY ErrorCode`,
          'errors',
        ),
        insights(`SELECT SUM(${loggedErrorMetricName('TOKENBREACH')}) FROM "${ns}"`, 'TOKENBREACH (logs)'),
        insights(`SELECT SUM(${loggedErrorMetricName('AUTHFAIL')}) FROM "${ns}"`, 'AUTHFAIL (logs)'),
      ]),
    );
    dashboard.addWidgets(
      graph(
        'Fan-out progress',
        [
          insights(`SELECT SUM(RecipientsEnqueued) FROM "${ns}"`, 'recipients enqueued'),
          insights(`SELECT SUM(RecipientsSent) FROM "${ns}"`, 'recipients sent'),
          insights(`SELECT SUM(RecipientsRejected) FROM "${ns}"`, 'recipients rejected'),
          insights(`SELECT SUM(BatchesDeadLettered) FROM "${ns}"`, 'batches dead-lettered'),
        ],
        [
          props.queues.fanout.metricApproximateNumberOfMessagesVisible({ period, label: 'fan-out backlog' }),
          props.queues.fanout.metricApproximateAgeOfOldestMessage({ period, label: 'oldest (s)' }),
        ],
      ),
    );
    dashboard.addWidgets(
      graph(
        'Group sync',
        [props.queues.groupSync.metricApproximateNumberOfMessagesVisible({ period, label: 'backlog' })],
        [props.queues.groupSync.metricApproximateAgeOfOldestMessage({ period, label: 'oldest (s)' })],
      ),
      graph(
        'Dead-letter queues',
        Object.entries(props.deadLetterQueues).map(([name, q]) =>
          q.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum', label: name }),
        ),
      ),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 8, height: 6 }),
    );
    return dashboard;
  }
}

/**
 * Percent of mesibo calls that failed, over the service dimension of each mesibo-calling function.
 * FILL: a function that made no call (or had no error) in the period adds 0 rather than no data.
 */
const mesiboErrorRate = (ns: string, services: readonly string[]): cloudwatch.MathExpression => {
  // An alarm's math expression takes at most 10 metrics: two per function.
  if (services.length > 5) throw new Error('the mesibo error-rate alarm covers at most 5 functions');
  const usingMetrics: Record<string, cloudwatch.IMetric> = {};
  const sum = (metricName: string, prefix: string) =>
    services
      .map((service, i) => {
        usingMetrics[`${prefix}${i}`] = new cloudwatch.Metric({
          namespace: ns,
          metricName,
          dimensionsMap: { service },
          period: FIVE_MINUTES,
          statistic: 'Sum',
        });
        return `FILL(${prefix}${i}, 0)`;
      })
      .join(' + ');
  const calls = `(${sum('MesiboCall', 'calls')})`;
  const errors = `(${sum('MesiboError', 'errors')})`;
  return new cloudwatch.MathExpression({
    expression: `IF(${calls} >= ${MESIBO_ERROR_RATE_MIN_CALLS}, 100 * ${errors} / ${calls}, 0)`,
    usingMetrics,
    label: 'mesibo error rate (%)',
    period: FIVE_MINUTES,
  });
};

/** A Metrics Insights query: sums over every dimension set the functions emit. */
const insights = (query: string, label: string): cloudwatch.MathExpression =>
  new cloudwatch.MathExpression({ expression: query, usingMetrics: {}, label, period: FIVE_MINUTES });
