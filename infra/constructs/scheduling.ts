/**
 * EventBridge Scheduler: one schedule group holds the recurring schedules from stage config and the
 * one-time schedules send-system-message creates for `sendAt`. One role, usable only by Scheduler, may
 * invoke only send-system-message; failed invocations land in a dead-letter queue.
 */
import { Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SQS_MAX_PAYLOAD_BYTES } from '../../shared/queue/limits';
import { REDRIVE_TAGS, type RedriveTag } from '../../shared/redrive/discovery';
import type { ScheduleConfig } from '../config';
import { scheduleTargetInput } from '../settings';

export interface SchedulingProps {
  groupName: string;
}

/** Retry policy of every schedule this stack defines (one-time schedules choose their own). */
const RETRY = { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 } as const;
/** Lambda's retries of an invocation that threw (transient trouble), before it goes to the DLQ. */
export const ASYNC_RETRIES = 2;

export class Scheduling extends Construct {
  readonly group: scheduler.CfnScheduleGroup;
  readonly groupName: string;
  readonly role: iam.Role;
  readonly dlq: sqs.Queue;

  constructor(scope: Construct, id: string, props: SchedulingProps) {
    super(scope, id);
    this.groupName = props.groupName;
    this.group = new scheduler.CfnScheduleGroup(this, 'Group', { name: props.groupName });
    this.dlq = new sqs.Queue(this, 'Dlq', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Dead letters carry the original input (up to 256 KB) plus the reason.
      maxMessageSizeBytes: SQS_MAX_PAYLOAD_BYTES,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.dlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the schedules (Scheduler target DeadLetterConfig), which cdk-nag cannot see.',
    });
    // Confused-deputy guard: only schedules of this account may assume the role.
    this.role = new iam.Role(this, 'InvokeRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'EventBridge Scheduler: invoke send-system-message, dead-letter to its DLQ',
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.dlq.queueArn] }),
    );
  }

  /**
   * Tags the schedule group with what `npm run redrive` needs (queue URLs, the role and target of
   * one-time schedules), so the command finds them from the stage name alone.
   */
  tagForRedrive(
    values: Record<Exclude<RedriveTag, 'schedulerDlqUrl' | 'schedulerDlqArn' | 'schedulerRoleArn'>, string>,
  ): void {
    const all: Record<RedriveTag, string> = {
      ...values,
      schedulerDlqUrl: this.dlq.queueUrl,
      schedulerDlqArn: this.dlq.queueArn,
      schedulerRoleArn: this.role.roleArn,
    };
    for (const [name, key] of Object.entries(REDRIVE_TAGS) as [RedriveTag, string][]) {
      this.group.tags.setTag(key, all[name]);
    }
  }

  /** ARN pattern of the schedules in this group: the only ones the function may create. */
  scheduleArnPattern(): string {
    return Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.groupName}/*`,
    });
  }

  /** Lets `fn` create one-time schedules in this group only, passing this role only. */
  grantCreateSchedules(fn: lambda.IFunction): void {
    const pattern = this.scheduleArnPattern();
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['scheduler:CreateSchedule'], resources: [pattern] }),
    );
    if (fn.role) {
      Validations.of(fn.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagArn(Stack.of(this), pattern)}]`,
        reason:
          'One-time schedules get a fresh name per notification, so CreateSchedule is scoped to this schedule group (schedule/<group>/*), the narrowest ARN Scheduler allows.',
      });
    }
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
  }

  /**
   * Makes `target` the one function the role may invoke, and adds the recurring schedules. Scheduler
   * invokes asynchronously, so its retry policy covers only the Invoke call; an invocation that still
   * throws after Lambda's own retries is put on the same DLQ rather than dropped.
   */
  setTarget(target: lambda.Function, schedules: readonly ScheduleConfig[]): void {
    target.configureAsyncInvoke({ retryAttempts: ASYNC_RETRIES, onFailure: new SqsDestination(this.dlq) });
    // The unqualified ARN only (not `:*`): schedules invoke $LATEST, never an old version.
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [target.functionArn] }),
    );
    for (const s of schedules) {
      const schedule = new scheduler.CfnSchedule(this, `Schedule-${s.name}`, {
        name: s.name,
        groupName: this.groupName,
        ...(s.description ? { description: s.description } : {}),
        scheduleExpression: s.expression,
        scheduleExpressionTimezone: s.timeZone,
        state: s.enabled ? 'ENABLED' : 'DISABLED',
        flexibleTimeWindow: { mode: 'OFF' },
        target: {
          arn: target.functionArn,
          roleArn: this.role.roleArn,
          input: scheduleTargetInput(s.name, s.payload),
          retryPolicy: RETRY,
          deadLetterConfig: { arn: this.dlq.queueArn },
        },
      });
      schedule.node.addDependency(this.group);
      // The role's policy must exist before Scheduler validates the target.
      const policy = this.role.node.tryFindChild('DefaultPolicy');
      if (policy) schedule.node.addDependency(policy);
    }
  }
}

/** How cdk-nag spells a resource ARN in a finding id: pseudo parameters as `<AWS::Name>`. */
const nagArn = (stack: Stack, arn: string): string => {
  const resolved: unknown = stack.resolve(arn);
  const parts = (resolved as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join']?.[1];
  if (!parts) return String(resolved);
  return parts.map((p) => (typeof p === 'string' ? p : `<${(p as { Ref: string }).Ref}>`)).join('');
};
