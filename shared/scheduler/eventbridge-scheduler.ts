/**
 * OneTimeScheduler over EventBridge Scheduler: an `at()` schedule in UTC that invokes the target
 * once with the payload as its input, then deletes itself. The schedule name is the idempotency key:
 * creating a name that exists is reported as `exists`, not as an error.
 */
import { ConflictException, CreateScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import type { OneTimeSchedule, OneTimeScheduler } from '../ports';

/** Scheduler's limit for a target's input (callers check it, to answer with the field at fault). */
export const MAX_SCHEDULE_INPUT_BYTES = 256 * 1024;

export interface EventBridgeSchedulerOptions {
  client: SchedulerClient;
  groupName: string;
  /** Role Scheduler assumes to invoke the target (lambda:InvokeFunction on it). */
  roleArn: string;
  /** SQS queue for invocations Scheduler could not deliver after its retries. */
  deadLetterArn: string;
  /** What the schedule invokes (send-system-message's own ARN). */
  targetArn: string;
  /** Scheduler's retries when the invocation itself fails (throttling, missing permission). */
  maxRetryAttempts?: number;
}

/** `at(2030-01-02T03:04:05)`: Scheduler takes whole seconds; rounding up never fires early. */
export const atExpression = (at: Date): string => {
  const seconds = new Date(Math.ceil(at.getTime() / 1000) * 1000);
  return `at(${seconds.toISOString().slice(0, 19)})`;
};

export const eventBridgeOneTimeScheduler = (options: EventBridgeSchedulerOptions): OneTimeScheduler => ({
  async create(schedule: OneTimeSchedule) {
    const input = JSON.stringify(schedule.payload);
    try {
      await options.client.send(
        new CreateScheduleCommand({
          Name: schedule.name,
          GroupName: options.groupName,
          ScheduleExpression: atExpression(schedule.at),
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          State: 'ENABLED',
          Target: {
            Arn: options.targetArn,
            RoleArn: options.roleArn,
            Input: input,
            DeadLetterConfig: { Arn: options.deadLetterArn },
            RetryPolicy: {
              MaximumRetryAttempts: options.maxRetryAttempts ?? 10,
              MaximumEventAgeInSeconds: 3600,
            },
          },
        }),
      );
      return 'created';
    } catch (e) {
      if (e instanceof ConflictException) return 'exists';
      throw e;
    }
  },
});
