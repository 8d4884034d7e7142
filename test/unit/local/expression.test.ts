import { describe, expect, it } from 'vitest';
import { ExpressionError, nextFireTime, parseExpression } from '../../../local/scheduler/expression';

const next = (expression: string, after: string, timeZone = 'UTC', anchor?: string) => {
  const t = nextFireTime(parseExpression(expression), Date.parse(after), {
    timeZone,
    ...(anchor ? { anchor: Date.parse(anchor) } : {}),
  });
  return t === null ? null : new Date(t).toISOString();
};

describe('schedule expressions', () => {
  it('rate: counts whole periods from the anchor', () => {
    expect(next('rate(1 minute)', '2030-01-01T00:00:30Z', 'UTC', '2030-01-01T00:00:00Z')).toBe(
      '2030-01-01T00:01:00.000Z',
    );
    expect(next('rate(2 hours)', '2030-01-01T02:00:00Z', 'UTC', '2030-01-01T00:00:00Z')).toBe(
      '2030-01-01T04:00:00.000Z',
    );
    expect(next('rate(3 days)', '2030-01-01T00:00:00Z')).toBe('2030-01-04T00:00:00.000Z');
  });

  it('cron: weekdays at 09:00 in a zone, across a DST change', () => {
    // Friday 2030-03-29 → Monday 2030-04-01; Berlin switched to CEST (UTC+2) on 2030-03-31.
    expect(next('cron(0 9 ? * MON-FRI *)', '2030-03-29T08:00:00Z', 'Europe/Berlin')).toBe(
      '2030-04-01T07:00:00.000Z',
    );
    expect(next('cron(0 9 ? * MON-FRI *)', '2030-03-27T07:59:00Z', 'Europe/Berlin')).toBe(
      '2030-03-27T08:00:00.000Z',
    );
  });

  it('cron: lists, ranges, steps, month names, L and #', () => {
    expect(next('cron(0/15 * * * ? *)', '2030-01-01T00:07:00Z')).toBe('2030-01-01T00:15:00.000Z');
    expect(next('cron(30 8,17 * * ? *)', '2030-01-01T09:00:00Z')).toBe('2030-01-01T17:30:00.000Z');
    expect(next('cron(0 0 L * ? *)', '2030-02-03T00:00:00Z')).toBe('2030-02-28T00:00:00.000Z');
    expect(next('cron(0 12 1 JAN-MAR ? 2031)', '2030-06-01T00:00:00Z')).toBe('2031-01-01T12:00:00.000Z');
    // First Monday (2#1) and last Friday (6L) of a month.
    expect(next('cron(0 10 ? * 2#1 *)', '2030-01-01T00:00:00Z')).toBe('2030-01-07T10:00:00.000Z');
    expect(next('cron(0 10 ? * 6L *)', '2030-01-01T00:00:00Z')).toBe('2030-01-25T10:00:00.000Z');
    expect(next('cron(0 0 1 1 ? 2020)', '2030-01-01T00:00:00Z')).toBeNull();
  });

  it('at: once, in its zone', () => {
    expect(next('at(2030-05-01T12:00:00)', '2030-01-01T00:00:00Z', 'America/New_York')).toBe(
      '2030-05-01T16:00:00.000Z',
    );
    expect(next('at(2030-05-01T12:00:00)', '2030-06-01T00:00:00Z')).toBeNull();
  });

  it('rejects what Scheduler rejects, with a reason', () => {
    for (const bad of [
      'rate(1 minutes)',
      'rate(5 minute)',
      'rate(0 minutes)',
      'cron(0 9 * * *)',
      'cron(0 9 * * MON *)',
      'cron(0 9 ? * ? *)',
      'cron(61 9 * * ? *)',
      'cron(0 9 15W * ? *)',
      'every day',
    ]) {
      expect(() => parseExpression(bad), bad).toThrow(ExpressionError);
    }
  });
});
