import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CountingMetrics } from '../../../local/harness/counting-metrics';
import { silentLogger } from '../../../local/harness/loggers';
import type { FanoutBatch } from '../../../shared/system-messages/fanout-message';
import type { NotifyMetricName } from '../../../shared/system-messages/ports';
import {
  type BatchDelivery,
  deliverBatch,
  RetryLater,
  type WorkerDeps,
} from '../../../shared/system-messages/send-batch';
import { FakeMesibo } from '../../support/fake-mesibo';
import {
  CapturingDeadLetters,
  CapturingQueue,
  ManualClock,
  MemoryLedger,
  mesiboError,
  RecordingDelay,
  RecordingStatus,
} from './fakes';

const batch = (over: Partial<FanoutBatch> = {}): FanoutBatch => ({
  v: 1,
  notificationId: 'n-1',
  batch: 0,
  from: 'system',
  delivery: 'at-most-once',
  message: { text: 'hello' },
  to: ['a', 'b', 'c', 'd'],
  ...over,
});

const delivery = (b: FanoutBatch, receiveCount = 1): BatchDelivery => ({
  body: JSON.stringify(b),
  receiveCount,
  receiptHandle: 'rh',
  eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:fanout',
});

describe('deliverBatch', () => {
  let mesibo: FakeMesibo;
  let ledger: MemoryLedger;
  let deadLetters: CapturingDeadLetters;
  let delay: RecordingDelay;
  let metrics: CountingMetrics<NotifyMetricName>;
  let clock: ManualClock;
  let deps: WorkerDeps;

  beforeEach(() => {
    mesibo = new FakeMesibo();
    ledger = new MemoryLedger();
    deadLetters = new CapturingDeadLetters();
    delay = new RecordingDelay();
    metrics = new CountingMetrics<NotifyMetricName>();
    clock = new ManualClock();
    deps = {
      mesibo,
      sender: { ensure: async () => {} },
      status: new RecordingStatus(),
      queue: new CapturingQueue(),
      userAddressPage: async () => ({ addresses: [], next: undefined }),
      ledger,
      deadLetters,
      redelivery: delay,
      metrics,
      logger: silentLogger(),
      clock,
      random: () => 0.5,
      maxAttempts: 3,
      retryBaseSeconds: 10,
      leaseSeconds: 60,
    };
  });

  it('sends a batch as one comma-separated message and records it sent', async () => {
    await deliverBatch(
      deps,
      delivery(batch({ message: { text: 'hi', title: 'T', type: 3, expirySeconds: 60 } })),
    );
    expect(mesibo.messages).toEqual([
      {
        input: {
          from: 'system',
          to: ['a', 'b', 'c', 'd'],
          message: 'hi',
          title: 'T',
          url: undefined,
          type: 3,
          expirySeconds: 60,
        },
        options: { retryUnsafe: false },
      },
    ]);
    expect(ledger.states()).toEqual({ 'notify.batch#n-1#0': 'sent' });
    expect(metrics.get('RecipientsSent')).toBe(4);
  });

  it('creates the sender before sending, and leaves one INFO line per sent batch', async () => {
    const ensured: string[] = [];
    const logger = silentLogger();
    const info = vi.spyOn(logger, 'info');
    deps = { ...deps, logger, sender: { ensure: async (a) => void ensured.push(a) } };
    await deliverBatch(deps, delivery(batch({ from: 'billing' })));
    expect(ensured).toEqual(['billing']);
    expect(info.mock.calls.filter(([m]) => m === 'batch sent')).toEqual([
      ['batch sent', { notificationId: 'n-1', batch: '0', recipients: 4 }],
    ]);
  });

  it('retries a batch whose sender could not be created, without calling message', async () => {
    deps = {
      ...deps,
      sender: {
        ensure: async () => {
          throw mesiboError({ op: 'useradd', kind: 'http', error: 'HTTP_503', httpStatus: 503 });
        },
      },
    };
    await expect(deliverBatch(deps, delivery(batch()))).rejects.toBeInstanceOf(RetryLater);
    expect(mesibo.messages).toEqual([]);
  });

  it('marks the expansion failed when an expansion step is dead-lettered', async () => {
    const status = new RecordingStatus();
    deps = {
      ...deps,
      status,
      userAddressPage: async () => {
        throw new Error('scan failed');
      },
    };
    const task = {
      v: 1,
      kind: 'expand',
      notificationId: 'all-1',
      step: 2,
      firstBatch: 10,
      recipientsBefore: 500,
      pageSize: 500,
      batchSize: 50,
      from: 'system',
      delivery: 'at-most-once',
      message: { text: 'hi' },
    };
    const step = { ...delivery(batch()), body: JSON.stringify(task) };
    await expect(deliverBatch(deps, step)).rejects.toBeInstanceOf(RetryLater);
    expect(status.named('expansionFailed')).toEqual([]);
    await deliverBatch(deps, { ...step, receiveCount: 3 });
    expect(deadLetters.records).toMatchObject([{ reason: 'attempts-exhausted', batch: 'expand.2' }]);
    expect(status.named('expansionFailed')).toEqual([['all-1']]);
  });

  it('sends a group batch with gid and asks for unsafe retries only for at-least-once', async () => {
    await deliverBatch(deps, delivery(batch({ to: undefined, gid: 50001, delivery: 'at-least-once' })));
    expect(mesibo.messages[0]?.input).toMatchObject({ gid: 50001 });
    expect(mesibo.messages[0]?.options).toEqual({ retryUnsafe: true });
  });

  it('does not send again when the same batch is delivered again', async () => {
    await deliverBatch(deps, delivery(batch()));
    await deliverBatch(deps, delivery(batch(), 2));
    expect(mesibo.messages).toHaveLength(1);
    expect(metrics.get('BatchesDuplicateSuppressed')).toBe(1);
  });

  it('retries with a growing, jittered visibility delay a failure that never reached mesibo', async () => {
    mesibo.behaviour = async () => {
      throw mesiboError({ kind: 'network', error: 'NETWORK', retryable: true });
    };
    await expect(deliverBatch(deps, delivery(batch(), 1))).rejects.toBeInstanceOf(RetryLater);
    await expect(deliverBatch(deps, delivery(batch(), 2))).rejects.toBeInstanceOf(RetryLater);
    // receiveCount 1 → ceiling 10 s, 2 → 20 s; random 0.5 lands at three quarters of the ceiling.
    expect(delay.delays).toEqual([8, 15]);
    expect(mesibo.messages).toHaveLength(2);
    expect(ledger.states()).toEqual({ 'notify.batch#n-1#0': 'retry' });
  });

  it('dead-letters with the reason once the attempts are used up, and a redrive can still send', async () => {
    mesibo.behaviour = async () => {
      throw mesiboError({ kind: 'http', error: 'HTTP_429', httpStatus: 429, retryable: false });
    };
    await expect(deliverBatch(deps, delivery(batch(), 2))).rejects.toBeInstanceOf(RetryLater);
    await deliverBatch(deps, delivery(batch(), 3));
    expect(deadLetters.records).toMatchObject([
      {
        reason: 'attempts-exhausted',
        notificationId: 'n-1',
        batch: '0',
        attempts: 3,
        error: { error: 'HTTP_429' },
      },
    ]);
    mesibo.behaviour = async () => ({ mid: 9 });
    await deliverBatch(deps, delivery(batch(), 1));
    expect(ledger.states()).toEqual({ 'notify.batch#n-1#0': 'sent' });
  });

  describe('outcome unknown (mesibo may have applied it)', () => {
    const applied = () => mesiboError({ kind: 'http', error: 'HTTP_500', httpStatus: 500, retryable: false });

    it('at-most-once: reports it (metric, DLQ record) and never resends', async () => {
      mesibo.behaviour = async () => {
        throw applied();
      };
      await deliverBatch(deps, delivery(batch()));
      await deliverBatch(deps, delivery(batch(), 2));
      expect(mesibo.messages).toHaveLength(1);
      expect(metrics.get('BatchesOutcomeUnknown')).toBe(1);
      expect(deadLetters.records).toMatchObject([
        { reason: 'outcome-unknown', batch: '0', original: { to: ['a', 'b', 'c', 'd'] } },
      ]);
    });

    it('at-least-once: sends again on the next delivery', async () => {
      mesibo.behaviour = async () => {
        throw applied();
      };
      await expect(deliverBatch(deps, delivery(batch({ delivery: 'at-least-once' })))).rejects.toBeInstanceOf(
        RetryLater,
      );
      mesibo.behaviour = async () => ({ mid: 1 });
      await deliverBatch(deps, delivery(batch({ delivery: 'at-least-once' }), 2));
      expect(mesibo.messages).toHaveLength(2);
      expect(deadLetters.records).toEqual([]);
    });

    it('a crashed attempt (lease ran out) is reported under at-most-once', async () => {
      await ledger.claim('notify.batch#n-1#0', clock.now() + 60_000);
      clock.advance(61_000);
      await deliverBatch(deps, delivery(batch(), 2));
      expect(mesibo.messages).toEqual([]);
      expect(ledger.states()).toEqual({ 'notify.batch#n-1#0': 'unknown' });
      expect(deadLetters.records[0]?.reason).toBe('outcome-unknown');
    });

    it('a crashed attempt is taken over and resent under at-least-once', async () => {
      await ledger.claim('notify.batch#n-1#0', clock.now() + 60_000);
      clock.advance(61_000);
      await deliverBatch(deps, delivery(batch({ delivery: 'at-least-once' }), 2));
      expect(mesibo.messages).toHaveLength(1);
      expect(metrics.get('BatchesResentAfterUnknownOutcome')).toBe(1);
      expect(ledger.records.get('notify.batch#n-1#0')).toMatchObject({ state: 'sent', attempts: 2 });
    });

    it('an attempt still within its lease is left alone and looked at once the lease has ended', async () => {
      await ledger.claim('notify.batch#n-1#0', clock.now() + 60_000);
      await expect(deliverBatch(deps, delivery(batch(), 2))).rejects.toBeInstanceOf(RetryLater);
      expect(mesibo.messages).toEqual([]);
      // Not the 15 s backoff: a retry inside the lease would only find it held again.
      expect(delay.delays).toEqual([61]);
    });

    it('a batch held by a crashed attempt is not dead-lettered before its lease ends (found by the SIGKILL test)', async () => {
      await ledger.claim('notify.batch#n-1#0', clock.now() + 60_000);
      const at = batch({ delivery: 'at-least-once' });
      await expect(deliverBatch(deps, delivery(at, 1))).rejects.toBeInstanceOf(RetryLater);
      clock.advance(delay.delays[0]! * 1000);
      await deliverBatch(deps, delivery(at, 2));
      expect(deadLetters.records).toEqual([]);
      expect(mesibo.messages).toHaveLength(1);
    });
  });

  it('isolates recipients mesibo refuses by halving the batch, and never retries them', async () => {
    mesibo.behaviour = async (input) => {
      const to = input.to as string[];
      if (to.includes('c')) throw mesiboError({ kind: 'api', properties: ['message.to'] });
      return { mid: 1 };
    };
    await deliverBatch(deps, delivery(batch()));
    await deliverBatch(deps, delivery(batch(), 2));
    expect(mesibo.messages.map((m) => m.input.to)).toEqual([
      ['a', 'b', 'c', 'd'],
      ['a', 'b'],
      ['c', 'd'],
      ['c'],
      ['d'],
    ]);
    expect(metrics.get('RecipientsRejected')).toBe(1);
    expect(metrics.get('RecipientsSent')).toBe(3);
    expect(ledger.states()).toMatchObject({
      'notify.batch#n-1#0': 'split',
      'notify.batch#n-1#0.1.0': 'rejected',
      'notify.batch#n-1#0.1.1': 'sent',
    });
  });

  it('does not split a refusal about the sender', async () => {
    mesibo.behaviour = async () => {
      throw mesiboError({ kind: 'api', properties: ['message.from'] });
    };
    await deliverBatch(deps, delivery(batch()));
    expect(mesibo.messages).toHaveLength(1);
    expect(metrics.get('RecipientsRejected')).toBe(4);
  });

  it('dead-letters a message that is not a batch, without retrying it', async () => {
    await deliverBatch(deps, { ...delivery(batch()), body: JSON.stringify({ v: 1, hello: true }) });
    await deliverBatch(deps, { ...delivery(batch()), body: 'not json' });
    expect(deadLetters.records.map((r) => r.reason)).toEqual(['invalid-batch', 'invalid-batch']);
    expect(mesibo.messages).toEqual([]);
  });
});
