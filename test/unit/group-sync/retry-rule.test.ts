import { describe, expect, it } from 'vitest';
import {
  CREATION_LEASE_MS,
  failedEventLine,
  minReceiveCount,
  retriesOutlastLease,
} from '../../../shared/group-sync/retry-rule';

describe('group-sync retry rule', () => {
  it.each([1_000, 5_000, 6_000, 7_000, 30_000, 360_000])(
    'the fewest receives for a %i ms visibility timeout outlast the lease, one fewer does not',
    (visibilityMs) => {
      const n = minReceiveCount(visibilityMs);
      expect(retriesOutlastLease(visibilityMs, n)).toBe(true);
      if (n > 2)
        expect(retriesOutlastLease(visibilityMs, n - 1)).toBe(visibilityMs * (n - 2) > CREATION_LEASE_MS);
    },
  );

  it('gives the local queue (5 s visibility) 14 receives, and AWS defaults (360 s, 5) pass', () => {
    expect(minReceiveCount(5_000)).toBe(14);
    expect(retriesOutlastLease(360_000, 5)).toBe(true);
    expect(retriesOutlastLease(5_000, 5)).toBe(false);
  });

  it('the failure line says the last receive moves the event to the DLQ, earlier ones redeliver', () => {
    expect(failedEventLine(1, 5)).toBe('group event failed; SQS will redeliver it');
    expect(failedEventLine(4, 5)).toBe('group event failed; SQS will redeliver it');
    expect(failedEventLine(5, 5)).toBe('group event failed; this was the last receive, it moves to the DLQ');
    // A redriven message keeps counting from where it was.
    expect(failedEventLine(7, 5)).toBe('group event failed; this was the last receive, it moves to the DLQ');
  });

  it('without a known maxReceiveCount (or a readable receive count) the line says both', () => {
    const both =
      'group event failed; SQS will redeliver it or, after maxReceiveCount receives, move it to the DLQ';
    expect(failedEventLine(5, undefined)).toBe(both);
    expect(failedEventLine(Number.NaN, 5)).toBe(both);
  });
});
