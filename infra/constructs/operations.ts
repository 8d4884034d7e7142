/**
 * Alarms to one SNS topic, and one dashboard. Function-emitted metrics are EMF (Powertools) in the
 * stage's namespace; where their dimension sets vary per call site (Op, ErrorCode), alarms and graphs use
 * CloudWatch Metrics Insights queries, which aggregate over any dimensions. mesibo TOKENBREACH/AUTHFAIL
 * are found in the JSON logs of every mesibo-calling function by a metric filter, since not every
 * function emits a per-code metric and one such error means the app is (about to be) disabled.
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
  key?: kms.IKey;
  api: Api;
  functions: Record<FunctionName, lambda.IFunction>;
  logGroups: Record<FunctionName, logs.ILogGroup>;
  /** Functions whose logs can carry mesibo errors. */
  mesiboFunctions: readonly FunctionName[];
  queues: { groupSync: sqs.IQueue; fanout: sqs.IQueue };
  deadLetterQueues: Record<string, sqs.IQueue>;
}

/** mesibo error codes that mean the app token is refused: the app is or will be disabled. */
export const CREDENTIAL_ERROR_CODES = ['TOKENBREACH', 'AUTHFAIL'] as const;
export const loggedErrorMetricName = (code: string): string => `MesiboLogged${code}`;

const FIVE_MINUTES = Duration.minutes(5);

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

    const action = new actions.SnsAction(this.topic);
    const alarm = (
      alarmId: string,
      metric: cloudwatch.IMetric,
      description: string,
      threshold = 1,
    ): cloudwatch.Alarm => {
      const a = new cloudwatch.Alarm(this, alarmId, {
        metric,
        alarmDescription: description,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
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

    const mesiboErrors = insights(`SELECT SUM(MesiboError) FROM "${ns}"`, 'mesibo errors');
    alarm('mesibo-errors', mesiboErrors, 'mesibo calls are failing (MesiboError, all functions)', 5);

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
    dashboard.addWidgets(
      graph('mesibo errors by code', [
        insights(`SELECT SUM(MesiboError) FROM "${ns}" GROUP BY ErrorCode`, 'errors'),
        insights(`SELECT SUM(${loggedErrorMetricName('TOKENBREACH')}) FROM "${ns}"`, 'TOKENBREACH (logs)'),
        insights(`SELECT SUM(${loggedErrorMetricName('AUTHFAIL')}) FROM "${ns}"`, 'AUTHFAIL (logs)'),
      ]),
      graph(
        'mesibo calls and latency',
        [
          insights(`SELECT SUM(MesiboCall) FROM "${ns}"`, 'token calls'),
          insights(`SELECT SUM(MesiboMessageCalls) FROM "${ns}"`, 'message calls'),
        ],
        // Duration of the mesibo-calling functions: dominated by mesibo's response time.
        props.mesiboFunctions.map((name) =>
          props.functions[name].metricDuration({ period, statistic: 'p99', label: `${name} p99 (ms)` }),
        ),
      ),
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

/** A Metrics Insights query: sums over every dimension set the functions emit. */
const insights = (query: string, label: string): cloudwatch.MathExpression =>
  new cloudwatch.MathExpression({ expression: query, usingMetrics: {}, label, period: FIVE_MINUTES });
