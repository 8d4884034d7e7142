import { ConflictException, CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { atExpression, eventBridgeOneTimeScheduler } from '../../../shared/scheduler/eventbridge-scheduler';

const options = {
  groupName: 'system-messages',
  roleArn: 'arn:aws:iam::123456789012:role/scheduler-invoke',
  deadLetterArn: 'arn:aws:sqs:us-east-1:123456789012:scheduler-dlq',
  targetArn: 'arn:aws:lambda:us-east-1:123456789012:function:send-system-message',
};

describe('eventBridgeOneTimeScheduler', () => {
  const client = new SchedulerClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  let mock: ReturnType<typeof mockClient>;

  beforeAll(() => {
    mock = mockClient(client);
  });
  beforeEach(() => mock.reset());
  afterAll(() => mock.restore());

  it('creates an at() schedule in UTC that invokes the function once, with a DLQ, then deletes itself', async () => {
    mock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:schedule' });
    const scheduler = eventBridgeOneTimeScheduler({ client, ...options });
    const payload = { source: 'mesibo-serverless.schedule', schedule: 'n-1', notification: { x: 1 } };
    const status = await scheduler.create({ name: 'n-1', at: new Date('2030-05-06T07:08:09.250Z'), payload });
    expect(status).toBe('created');
    expect(mock.commandCalls(CreateScheduleCommand).map((c) => c.args[0].input)).toEqual([
      {
        Name: 'n-1',
        GroupName: 'system-messages',
        ScheduleExpression: 'at(2030-05-06T07:08:10)',
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        State: 'ENABLED',
        Target: {
          Arn: options.targetArn,
          RoleArn: options.roleArn,
          Input: JSON.stringify(payload),
          DeadLetterConfig: { Arn: options.deadLetterArn },
          RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
        },
      },
    ]);
  });

  it('reports a schedule that already exists instead of failing', async () => {
    mock.on(CreateScheduleCommand).rejects(
      new ConflictException({
        message: 'Schedule n-1 already exists.',
        Message: 'Schedule n-1 already exists.',
        $metadata: {},
      }),
    );
    const scheduler = eventBridgeOneTimeScheduler({ client, ...options });
    await expect(
      scheduler.create({ name: 'n-1', at: new Date('2030-01-01T00:00:00Z'), payload: {} }),
    ).resolves.toBe('exists');
  });

  it('passes other failures on', async () => {
    mock.on(CreateScheduleCommand).rejects(new Error('AccessDenied'));
    const scheduler = eventBridgeOneTimeScheduler({ client, ...options });
    await expect(scheduler.create({ name: 'n-1', at: new Date(), payload: {} })).rejects.toThrow(
      'AccessDenied',
    );
  });

  it('rounds up to whole seconds, never firing early', () => {
    expect(atExpression(new Date('2030-01-01T00:00:00.000Z'))).toBe('at(2030-01-01T00:00:00)');
    expect(atExpression(new Date('2030-01-01T00:00:00.001Z'))).toBe('at(2030-01-01T00:00:01)');
  });
});
