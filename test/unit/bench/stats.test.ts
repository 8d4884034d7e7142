import { describe, expect, it } from 'vitest';
import { vs } from '../../../bench/lib/report';
import { median, percentile, round, timeInFlight } from '../../../bench/lib/stats';

describe('bench stats', () => {
  const samples = Array.from({ length: 100 }, (_, i) => 100 - i);

  it('takes nearest-rank percentiles of unsorted samples', () => {
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile(samples, 100)).toBe(100);
    expect(median([3, 1, 2])).toBe(2);
  });

  it('refuses an empty sample', () => {
    expect(() => median([])).toThrow('no samples');
  });

  it('gives a ratio against the baseline', () => {
    expect(vs({ case: 'c', metric: 'm', value: 5, unit: 'ms' }, 20)).toEqual({
      case: 'c',
      metric: 'm',
      value: 5,
      unit: 'ms',
      baseline: 20,
      ratio: 0.25,
    });
    expect(round(1.23456, 2)).toBe(1.23);
  });

  it('times every call with at most the given number in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const samples = await timeInFlight(
      async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
      },
      25,
      10,
    );
    expect(samples).toHaveLength(25);
    expect(most).toBe(10);
  });
});
