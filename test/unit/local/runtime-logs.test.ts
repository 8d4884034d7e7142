/**
 * The local Lambda runtime keeps each invocation's own log lines (Powertools' JSON output and plain
 * writes to stdout and stderr), even when invocations overlap, with known secrets replaced before they are kept,
 * and links an HTTP invocation to its gateway request.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { secretRedactor } from '../../../local/console/redact';
import { LambdaRuntime } from '../../../local/lambda/runtime';
import { createLogger } from '../../../shared/observability/logger';

const SECRET = 'app-token-0123456789abcdef';

const runtime = () => new LambdaRuntime({ region: 'us-east-1', redact: secretRedactor([SECRET]) });

describe('invocation logs', () => {
  it('counts the invocations in flight (what a shutdown waits for), failed ones included', async () => {
    const rt = runtime();
    let release: () => void = () => {};
    rt.register('health', () => new Promise((resolve) => (release = () => resolve('done'))));
    rt.register('issue-user-token', async () => {
      throw new Error('boom');
    });
    expect(rt.inFlight).toBe(0);
    const hung = rt.invoke('health', {}, 'http');
    await sleep(0);
    expect(rt.inFlight).toBe(1);
    await expect(rt.invoke('issue-user-token', {}, 'http')).rejects.toThrow('boom');
    expect(rt.inFlight).toBe(1);
    release();
    await hung;
    expect(rt.inFlight).toBe(0);
  });

  it('keeps what each invocation printed, apart from the others running at the same time', async () => {
    const rt = runtime();
    const logger = createLogger('health');
    rt.register('health', async (event) => {
      const { name, wait } = event as { name: string; wait: number };
      logger.warn('started', { name });
      await sleep(wait);
      // What console.error writes outside the test runner (which replaces the console with its own).
      process.stderr.write(`plain line from ${name}\n`);
      return name;
    });
    const [first, second] = await Promise.all([
      rt.invoke('health', { name: 'a', wait: 30 }, 'http', { gatewayRequestId: 'req-a' }),
      rt.invoke('health', { name: 'b', wait: 0 }, 'sqs'),
    ]);
    expect([first, second]).toEqual(['a', 'b']);
    const { entries } = await rt.invocations();
    const byName = (n: string) => entries.find((r) => r.logs.some((l) => l.includes(`"name":"${n}"`)));
    expect(byName('a')).toMatchObject({ source: 'http', gatewayRequestId: 'req-a', outcome: 'ok' });
    expect(byName('a')?.logs).toHaveLength(2);
    expect(byName('a')?.logs[1]).toBe('plain line from a');
    expect(byName('b')?.logs).toEqual([expect.stringContaining('"message":"started"'), 'plain line from b']);
    expect(byName('b')?.gatewayRequestId).toBeUndefined();
    expect(JSON.parse(byName('a')?.logs[0] ?? '{}')).toMatchObject({ level: 'WARN', service: 'health' });
  });

  it('replaces a known secret in the log lines, the error and the event before keeping them', async () => {
    const rt = runtime();
    const logger = createLogger('health');
    rt.register('health', async () => {
      logger.error(`calling mesibo with ${SECRET}`);
      process.stdout.write(`raw ${SECRET}\n`);
      throw new Error(`refused ${SECRET}`);
    });
    await expect(rt.invoke('health', { body: `x${SECRET}y` }, 'http')).rejects.toThrow(SECRET);
    const page = await rt.invocations({ events: true });
    const kept = JSON.stringify(page);
    expect(kept).not.toContain(SECRET);
    expect(page.entries[0]).toMatchObject({
      outcome: 'error',
      error: 'refused [REDACTED]',
      event: { body: 'x[REDACTED]y' },
    });
    expect(page.entries[0]?.logs).toEqual([
      expect.stringContaining('calling mesibo with [REDACTED]'),
      'raw [REDACTED]',
    ]);
  });

  it('answers only the invocations after a cursor', async () => {
    const rt = runtime();
    rt.register('health', async () => 'ok');
    await rt.invoke('health', {}, 'http');
    const first = await rt.invocations();
    expect(first).toMatchObject({ reset: true, entries: [{ seq: 1 }] });
    await rt.invoke('health', {}, 'schedule');
    const next = await rt.invocations({ since: first.cursor });
    expect(next).toMatchObject({ reset: false, entries: [{ seq: 2, source: 'schedule' }] });
    expect((await rt.invocations({ since: next.cursor })).entries).toEqual([]);
  });
});
