import { describe, expect, it } from 'vitest';
import { measureFanout } from '../../../local/harness/system-messages/measure';

describe('fan-out measurement', () => {
  it('reaches every cached user exactly once with one mesibo call per batch', async () => {
    const figures = await measureFanout({ users: 1_000, latencyMs: 5, batchSize: 50, pageSize: 100 });
    expect(figures).toMatchObject({
      batches: 20,
      mesiboCalls: { useradd: 1, message: 20 },
      recipientsReached: 1_000,
      recipientDeliveries: 1_000,
    });
    expect(figures.totalMs).toBeGreaterThan(0);
  });
});
