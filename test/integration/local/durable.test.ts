/**
 * `--persist` for the local queues and the one-time scheduler: a second instance opened on the same
 * journal (as after a crash and restart) has every waiting, in-flight and dead-lettered message and
 * every pending schedule, and delivers them; what was done stays done. The SIGKILL of the whole
 * stack is in test/e2e/persist-fanout.test.ts.
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DeadLetterQueue, LocalQueue } from '../../../local/queue/local-queue';
import { LocalOneTimeScheduler } from '../../../local/scheduler/one-time';

const dir = mkdtempSync(join(tmpdir(), 'durable-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = { region: 'us-east-1', accountId: '000000000000', visibilityTimeoutMs: 100, maxReceiveCount: 3 };
const never = () => new Promise<never>(() => {});

describe('LocalQueue with a journal', () => {
  it('restores waiting, in-flight and dead-lettered messages; delivered ones stay delivered', async () => {
    const journalPath = join(dir, 'q', 'work.jsonl');
    const seen: string[] = [];
    // First life: m0 is delivered, m1 hangs in flight when the process "dies", m2 and m3 wait.
    const first = new LocalQueue({
      ...base,
      name: 'work',
      journalPath,
      batchSize: 1,
      maxConcurrency: 1,
      consumer: async (event: SQSEvent) => {
        const body = event.Records[0]?.body ?? '';
        seen.push(body);
        if (body !== 'm0') await never();
      },
    });
    await first.publish([{ body: 'm0' }, { body: 'm1' }, { body: 'm2' }, { body: 'm3' }]);
    await first.dlq.publish([{ body: 'dead' }]);
    await vi.waitFor(() => expect(seen).toEqual(['m0', 'm1']));
    // A write cut short by the kill leaves a torn last line, which is ignored.
    appendFileSync(journalPath, '{"t":"msg","m":{"messageId":"torn');

    const received: [string, string][] = [];
    const second = new LocalQueue({
      ...base,
      name: 'work',
      journalPath,
      consumer: async (event: SQSEvent) => {
        for (const r of event.Records) received.push([r.body, r.attributes.ApproximateReceiveCount]);
      },
    });
    expect(second.dlq.list().map((d) => d.body)).toEqual(['dead']);
    second.start();
    await second.idle();
    expect(received.sort()).toEqual([
      ['m1', '2'],
      ['m2', '1'],
      ['m3', '1'],
    ]);
    expect(second.stats()).toMatchObject({ depth: 0, inFlight: 0, dlq: 1, sent: 4, deleted: 4 });
    await second.close();

    // A third life finds nothing left to do but the dead letter.
    const third = new LocalQueue({ ...base, name: 'work', journalPath, consumer: async () => {} });
    expect(third.stats()).toMatchObject({ depth: 0, inFlight: 0, dlq: 1 });
    await third.close();
  });

  it('keeps a redrive: the unwrapped message is back in the queue, the letter gone from the DLQ', async () => {
    const journalPath = join(dir, 'r', 'work.jsonl');
    const first = new LocalQueue({ ...base, name: 'work', journalPath, consumer: never });
    await first.dlq.publish([{ body: JSON.stringify({ original: 'work-1' }) }, { body: 'not ours' }]);
    const moved = first.redrive((l) => {
      const parsed = JSON.parse(l.body.startsWith('{') ? l.body : 'null') as { original?: string } | null;
      return parsed?.original;
    });
    expect(moved).toBe(1);

    const bodies: string[] = [];
    const second = new LocalQueue({
      ...base,
      name: 'work',
      journalPath,
      consumer: async (e: SQSEvent) => {
        bodies.push(...e.Records.map((r) => r.body));
      },
    });
    second.start();
    await second.idle();
    expect(bodies).toEqual(['work-1']);
    expect(second.dlq.list().map((d) => d.body)).toEqual(['not ours']);
    await second.close();
  });

  it('keeps a standalone DLQ (the scheduler DLQ)', async () => {
    const journalPath = join(dir, 'scheduler-dlq.jsonl');
    const first = new DeadLetterQueue('scheduler-dlq', { ...base, journalPath });
    await first.publish([{ body: 'a' }, { body: 'b' }]);
    first.remove([first.list()[0]?.messageId ?? '']);
    const second = new DeadLetterQueue('scheduler-dlq', { ...base, journalPath });
    expect(second.list().map((d) => d.body)).toEqual(['b']);
    first.close();
    second.close();
  });
});

describe('LocalOneTimeScheduler with a journal', () => {
  it('fires a schedule pending at the crash after the restart, once', async () => {
    const journalPath = join(dir, 'schedules.jsonl');
    const firstEvents: unknown[] = [];
    const first = new LocalOneTimeScheduler({ invoke: async (e) => firstEvents.push(e) }, 'arn:one/', {
      journalPath,
    });
    await first.create({ name: 'once.a', at: new Date(Date.now() + 300), payload: { n: 'a' } });
    await first.create({ name: 'once.b', at: new Date(Date.now() + 60_000), payload: { n: 'b' } });
    // The process dies before either fires (close stops the timers and writes nothing).
    await first.close();

    const events: unknown[] = [];
    const second = new LocalOneTimeScheduler({ invoke: async (e) => events.push(e) }, 'arn:one/', {
      journalPath,
    });
    expect(second.list().pending.map((p) => p.name)).toEqual(['once.a', 'once.b']);
    second.start();
    await vi.waitFor(() => expect(events).toEqual([{ n: 'a' }]), { timeout: 3000 });
    await vi.waitFor(() => expect(second.list().pending.map((p) => p.name)).toEqual(['once.b']));
    await second.close();

    const third = new LocalOneTimeScheduler({ invoke: async () => {} }, 'arn:one/', { journalPath });
    expect(third.list().pending.map((p) => p.name)).toEqual(['once.b']);
    await third.close();
    expect(firstEvents).toEqual([]);
  });
});
