/**
 * The local schedulers: one-time schedules fire at their time and delete themselves; recurring ones
 * fire on their expression and on demand, with Scheduler's placeholders filled so the input passes
 * send-system-message's own schedule input schema; failures are retried, then dead-lettered.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalOneTimeScheduler } from '../../../local/scheduler/one-time';
import { loadScheduleFile, RecurringScheduler } from '../../../local/scheduler/recurring';
import type { ScheduleDeadLetter } from '../../../local/scheduler/target';
import { DEFAULT_SCHEDULES_FILE } from '../../../local/stack';
import { recurringScheduleInput, ScheduleInputSchema } from '../../../shared/system-messages/schedule-input';

const toInput = (name: string, payload: unknown): unknown =>
  JSON.parse(recurringScheduleInput(name, payload));
const payload = { audience: { addresses: ['alice'] }, message: { text: 'hi' } };

afterEach(() => {
  vi.useRealTimers();
});

describe('LocalOneTimeScheduler', () => {
  it('fires once at its time with the payload as the event, then forgets the name', async () => {
    const events: unknown[] = [];
    const s = new LocalOneTimeScheduler({ invoke: async (e) => events.push(e) }, 'arn:one/');
    const input = {
      source: 'mesibo-serverless.schedule',
      schedule: 'n1',
      notification: { ...payload, notificationId: 'n1' },
    };
    expect(ScheduleInputSchema.safeParse(input).success).toBe(true);
    expect(await s.create({ name: 'n1', at: new Date(Date.now() + 150), payload: input })).toBe('created');
    expect(await s.create({ name: 'n1', at: new Date(Date.now() + 150), payload: input })).toBe('exists');
    expect(s.list().pending.map((p) => p.name)).toEqual(['n1']);
    await vi.waitFor(() => expect(events).toHaveLength(1), { timeout: 2000 });
    expect(events[0]).toEqual(input);
    await vi.waitFor(() => expect(s.list().pending).toEqual([]));
    expect(s.list().fired[0]).toMatchObject({ name: 'n1', ok: true, attempts: 1 });
    await s.close();
  });
});

describe('RecurringScheduler', () => {
  it('loads the shipped schedule file and computes its next fire time', async () => {
    const configs = await loadScheduleFile(DEFAULT_SCHEDULES_FILE);
    expect(configs.length).toBeGreaterThan(0);
    const s = new RecurringScheduler(
      configs,
      { invoke: async () => undefined },
      { arnPrefix: 'arn:', toInput },
    );
    for (const r of s.list()) expect(r.nextFireAt).toBeGreaterThan(Date.now());
    await s.close();
  });

  it('fires now with the scheduled time filled in, as send-system-message parses it', async () => {
    const events: unknown[] = [];
    const s = new RecurringScheduler(
      [{ name: 'digest', expression: 'cron(0 9 * * ? *)', timeZone: 'UTC', enabled: true, payload }],
      { invoke: async (e) => events.push(e) },
      { arnPrefix: 'arn:', toInput },
    );
    const outcome = await s.fireNow('digest');
    expect(outcome.ok).toBe(true);
    const parsed = ScheduleInputSchema.parse(events[0]);
    expect(parsed).toMatchObject({ schedule: 'digest', notification: payload });
    expect(Math.abs(new Date(parsed.scheduledTime ?? 0).getTime() - Date.now())).toBeLessThan(5000);
    expect(s.list()[0]).toMatchObject({ fireCount: 1, last: { ok: true } });
    await expect(s.fireNow('nope')).rejects.toThrow(/no schedule named nope/);
    await s.close();
  });

  it('fires a rate schedule on its own, every period', async () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const times: string[] = [];
    const s = new RecurringScheduler(
      [{ name: 'tick', expression: 'rate(5 minutes)', timeZone: 'UTC', enabled: true, payload }],
      { invoke: async (e) => times.push((e as { scheduledTime: string }).scheduledTime) },
      { arnPrefix: 'arn:', toInput },
    );
    await vi.advanceTimersByTimeAsync(11 * 60_000);
    expect(times).toEqual(['2030-01-01T00:05:00Z', '2030-01-01T00:10:00Z']);
    expect(s.list()[0]?.nextFireAt).toBe(Date.parse('2030-01-01T00:15:00Z'));
    await s.close();
  });

  it('retries a failing target, then dead-letters the occurrence', async () => {
    const letters: ScheduleDeadLetter[] = [];
    let attempts = 0;
    const s = new RecurringScheduler(
      [{ name: 'flaky', expression: 'rate(1 day)', timeZone: 'UTC', enabled: true, payload }],
      {
        invoke: async () => {
          attempts += 1;
          throw new Error('down');
        },
        maxAttempts: 3,
        baseDelayMs: 5,
        onDeadLetter: (l) => letters.push(l),
      },
      { arnPrefix: 'arn:', toInput },
    );
    const outcome = await s.fireNow('flaky');
    expect(outcome).toMatchObject({ ok: false, attempts: 3, error: 'down' });
    expect(attempts).toBe(3);
    expect(letters).toHaveLength(1);
    await s.close();
  });

  it('refuses a bad schedule at construction, naming it', () => {
    const make = (expression: string, p: Record<string, unknown> = payload) =>
      new RecurringScheduler(
        [{ name: 'bad', expression, timeZone: 'UTC', enabled: true, payload: p }],
        { invoke: async () => undefined },
        { arnPrefix: 'a', toInput },
      );
    expect(() => make('cron(0 9 * * * *)')).toThrow(/schedule bad: cron: exactly one of/);
    expect(() => make('rate(1 minutes)')).toThrow(/schedule bad: rate/);
    expect(() => make('rate(1 minute)', { audience: {} })).toThrow(/invalid payload/);
  });
});
