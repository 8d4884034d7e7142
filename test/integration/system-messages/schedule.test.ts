import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FUNCTION_ARN,
  type NotifyHarness,
  startNotifyHarness,
} from '../../../local/harness/system-messages/harness';
import {
  recurringScheduleInput,
  SCHEDULED_TIME_PLACEHOLDER,
} from '../../../shared/system-messages/schedule-input';

const message = { text: 'Scheduled notice' };
const fire = (input: string, at: string): unknown =>
  JSON.parse(input.replace(SCHEDULED_TIME_PLACEHOLDER, at));

describe('send-system-message: schedules', () => {
  let h: NotifyHarness;
  beforeEach(async () => {
    h = await startNotifyHarness();
  });
  afterEach(() => h.close());

  const sent = async () => (await h.control.state()).messages;

  it('with sendAt: creates a one-time schedule targeting this function, and sends when it fires (once)', async () => {
    const sendAt = new Date(Date.now() + 3_600_000).toISOString();
    const answer = await h.post({
      notificationId: 'later-1',
      audience: { addresses: ['a', 'b'] },
      message,
      sendAt,
    });
    expect(answer).toMatchObject({ status: 202, body: { notificationId: 'later-1', scheduledFor: sendAt } });
    expect(h.queued).toEqual([]);
    expect(h.schedules).toHaveLength(1);
    const [schedule] = h.schedules;
    expect(schedule).toMatchObject({ name: 'once.later-1', at: new Date(sendAt), targetArn: FUNCTION_ARN });

    // Submitting again changes nothing.
    expect(
      await h.post({ notificationId: 'later-1', audience: { addresses: ['a', 'b'] }, message, sendAt }),
    ).toEqual(answer);
    expect(h.schedules).toHaveLength(1);

    // Scheduler invokes with the schedule's input (twice: a retried invocation).
    const input = JSON.parse(JSON.stringify(schedule?.payload)) as unknown;
    await h.invokeAsScheduler(input);
    await h.invokeAsScheduler(input);
    await h.drain();
    expect((await sent()).map((m) => m.to)).toEqual([['a', 'b']]);
  });

  it('a recurring schedule sends each occurrence once', async () => {
    const input = recurringScheduleInput('daily-digest', { audience: { addresses: ['a'] }, message });
    await h.invokeAsScheduler(fire(input, '2030-01-01T09:00:00Z'));
    await h.invokeAsScheduler(fire(input, '2030-01-01T09:00:00Z'));
    await h.invokeAsScheduler(fire(input, '2030-01-02T09:00:00Z'));
    await h.drain();
    expect(await sent()).toHaveLength(2);
  });

  it('an on-demand id shaped like an occurrence does not stop the occurrence (own ledger entries)', async () => {
    const addresses = ['a', 'b'];
    expect(
      await h.post({ notificationId: 'daily-digest.20300101T090000Z', audience: { addresses }, message }),
    ).toMatchObject({ status: 202 });
    const input = recurringScheduleInput('daily-digest', { audience: { addresses }, message });
    await h.invokeAsScheduler(fire(input, '2030-01-01T09:00:00Z'));
    await h.drain();
    expect((await sent()).map((m) => m.to)).toEqual([addresses, addresses]);
    // And an occurrence's own id cannot be submitted by a caller.
    const taken = await h.post({
      notificationId: 'daily-digest@20300101T090000Z',
      audience: { addresses },
      message,
    });
    expect(taken).toMatchObject({ status: 400, body: { errors: [{ field: 'notificationId' }] } });
  });

  it('dead-letters an input that fails validation instead of failing the invocation', async () => {
    const bad = { source: 'mesibo-serverless.schedule', schedule: 'weekly', notification: { message } };
    await expect(h.invokeAsScheduler(bad)).resolves.toMatchObject({ status: 'dead-lettered' });
    expect(h.deadLetters.scheduler).toMatchObject([
      {
        reason: 'invalid-schedule-input',
        original: bad,
        detail: expect.stringContaining('notification.audience'),
      },
    ]);
    expect(h.queued).toEqual([]);
  });

  it('dead-letters an occurrence whose group is no longer synced', async () => {
    const input = recurringScheduleInput('team-news', { audience: { group: { key: 'gone' } }, message });
    await expect(h.invokeAsScheduler(fire(input, '2030-01-01T09:00:00Z'))).resolves.toMatchObject({
      status: 'dead-lettered',
      reason: 'schedule-not-sendable',
    });
    expect(h.deadLetters.scheduler[0]?.notificationId).toBe('team-news@20300101T090000Z');
  });
});
