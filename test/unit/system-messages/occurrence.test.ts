import { describe, expect, it } from 'vitest';
import { CountingMetrics } from '../../../local/harness/counting-metrics';
import { silentLogger } from '../../../local/harness/loggers';
import type { FanoutBatch } from '../../../shared/system-messages/fanout-message';
import { handleOccurrence, type OccurrenceDeps } from '../../../shared/system-messages/occurrence';
import type { NotifyMetricName } from '../../../shared/system-messages/ports';
import {
  occurrenceNotificationId,
  recurringScheduleInput,
  SCHEDULED_TIME_PLACEHOLDER,
} from '../../../shared/system-messages/schedule-input';
import { CapturingDeadLetters, CapturingQueue, ManualClock, MemoryGate, RecordingStatus } from './fakes';

const digest = { audience: { addresses: ['a', 'b'] }, message: { text: 'Your daily digest' } };

/** What Scheduler delivers: the Input with its context placeholders filled in. */
const fired = (input: string, scheduledTime: string): unknown =>
  JSON.parse(input.replace(SCHEDULED_TIME_PLACEHOLDER, scheduledTime));

const setup = () => {
  const queue = new CapturingQueue();
  const deadLetters = new CapturingDeadLetters();
  const metrics = new CountingMetrics<NotifyMetricName>();
  const deps: OccurrenceDeps = {
    clock: new ManualClock(),
    gate: new MemoryGate(),
    deadLetters,
    logger: silentLogger(),
    queue,
    findGid: async (key) => (key === 'team' ? 7 : undefined),
    status: new RecordingStatus(),
    metrics,
    systemSender: 'system',
    senders: ['system'],
    allowHttpUrls: false,
    batchSize: 50,
    usersPageSize: 500,
  };
  return { deps, queue, deadLetters, metrics };
};

describe('recurringScheduleInput', () => {
  it('builds the Input with the scheduled-time placeholder', () => {
    expect(JSON.parse(recurringScheduleInput('daily-digest', digest))).toEqual({
      source: 'mesibo-serverless.schedule',
      schedule: 'daily-digest',
      scheduledTime: '<aws.scheduler.scheduled-time>',
      notification: digest,
    });
  });

  it.each([
    ['an unknown field', { ...digest, colour: 'red' }, /notification\.colour/],
    ['a sendAt', { ...digest, sendAt: '2030-01-01T00:00:00Z' }, /notification\.sendAt/],
    ['a notificationId', { ...digest, notificationId: 'x' }, /notification\.notificationId/],
    ['empty text', { ...digest, message: { text: ' ' } }, /notification\.message\.text/],
  ])('refuses a payload with %s, naming the field', (_, payload, field) => {
    expect(() => recurringScheduleInput('daily', payload)).toThrow(field);
  });

  it('refuses a name Scheduler would refuse', () => {
    expect(() => recurringScheduleInput('daily digest', digest)).toThrow(/name/);
  });

  it("refuses a name in the one-time schedules' namespace", () => {
    expect(() => recurringScheduleInput('once.daily', digest)).toThrow(/must not start with "once\."/);
  });

  it('derives one id per occurrence', () => {
    const input = fired(recurringScheduleInput('daily', digest), '2030-01-01T09:00:00Z');
    expect(occurrenceNotificationId(input as never)).toBe('daily@20300101T090000Z');
  });
});

describe('handleOccurrence', () => {
  it('fans out a recurring occurrence once, however often it is invoked', async () => {
    const { deps, queue } = setup();
    const input = recurringScheduleInput('daily', digest);
    const first = await handleOccurrence(deps, fired(input, '2030-01-01T09:00:00Z'));
    await handleOccurrence(deps, fired(input, '2030-01-01T09:00:00Z'));
    await handleOccurrence(deps, fired(input, '2030-01-02T09:00:00Z'));
    expect(first).toMatchObject({ status: 'sent', notificationId: 'daily@20300101T090000Z' });
    expect(queue.bodies<FanoutBatch>().map((b) => b.notificationId)).toEqual([
      'daily@20300101T090000Z',
      'daily@20300102T090000Z',
    ]);
  });

  it('sends a one-time schedule under the notification id it carries', async () => {
    const { deps, queue } = setup();
    await handleOccurrence(deps, {
      source: 'mesibo-serverless.schedule',
      schedule: 'once.n-7',
      notification: { ...digest, notificationId: 'n-7' },
    });
    expect(queue.bodies<FanoutBatch>()).toMatchObject([{ notificationId: 'n-7', to: ['a', 'b'] }]);
  });

  it.each([
    ['an invalid notification', { source: 'mesibo-serverless.schedule', schedule: 's', notification: {} }],
    [
      'an unknown field',
      { source: 'mesibo-serverless.schedule', schedule: 's', extra: 1, notification: digest },
    ],
    [
      'no id and no scheduled time',
      { source: 'mesibo-serverless.schedule', schedule: 's', notification: digest },
    ],
    ['an unfilled placeholder', JSON.parse(recurringScheduleInput('daily', digest)) as unknown],
    ['something else entirely', { hello: 'world' }],
  ])('dead-letters %s with the reason instead of throwing', async (_, event) => {
    const { deps, queue, deadLetters, metrics } = setup();
    const outcome = await handleOccurrence(deps, event);
    expect(outcome).toMatchObject({ status: 'dead-lettered', reason: 'invalid-schedule-input' });
    expect(deadLetters.records).toMatchObject([{ reason: 'invalid-schedule-input', original: event }]);
    expect(deadLetters.records[0]?.detail).not.toBe('');
    expect(metrics.get('ScheduleInputsRejected')).toBe(1);
    expect(queue.published).toEqual([]);
  });

  it('dead-letters an occurrence whose group key no longer exists', async () => {
    const { deps, deadLetters } = setup();
    const input = recurringScheduleInput('weekly', { ...digest, audience: { group: { key: 'gone' } } });
    const outcome = await handleOccurrence(deps, fired(input, '2030-01-01T09:00:00Z'));
    expect(outcome).toMatchObject({ status: 'dead-lettered', reason: 'schedule-not-sendable' });
    expect(deadLetters.records[0]?.notificationId).toBe('weekly@20300101T090000Z');
  });

  it('throws transient trouble so Lambda retries the invocation', async () => {
    const { deps } = setup();
    deps.queue = {
      publish: async () => {
        throw new Error('SQS unavailable');
      },
    };
    const input = recurringScheduleInput('daily', digest);
    await expect(handleOccurrence(deps, fired(input, '2030-01-01T09:00:00Z'))).rejects.toThrow(
      'SQS unavailable',
    );
  });
});
