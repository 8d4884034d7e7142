import { describe, expect, it } from 'vitest';
import { SAME_KEYPRESS_MS, SHUTDOWN_LIMIT_MS, signalHandler } from '../../../local/shutdown';

const harness = (close: () => Promise<void> = () => new Promise(() => {}), inFlight = 0) => {
  let now = 0;
  const exits: number[] = [];
  const lines: string[] = [];
  const errors: string[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  let closes = 0;
  const handle = signalHandler({
    close: () => {
      closes += 1;
      return close();
    },
    inFlight: () => inFlight,
    exit: (code) => exits.push(code),
    log: (line) => lines.push(line),
    error: (line) => errors.push(line),
    now: () => now,
    setTimer: (fn, ms) => timers.push({ fn, ms }),
  });
  return {
    handle,
    advance: (ms: number) => (now += ms),
    exits,
    lines,
    errors,
    timers,
    closes: () => closes,
  };
};

describe('npm start signal handling', () => {
  it('takes the copy of a Ctrl-C that npm relays as the same keypress, and exits 0 once closed', async () => {
    let closed: () => void = () => {};
    const h = harness(() => new Promise<void>((resolve) => (closed = resolve)));
    h.handle('SIGINT');
    h.advance(5);
    h.handle('SIGINT');
    expect(h.closes()).toBe(1);
    expect(h.errors).toEqual([]);
    closed();
    await Promise.resolve();
    await Promise.resolve();
    expect(h.exits).toEqual([0]);
  });

  it('forces the exit on a second Ctrl-C a second later, or when closing takes too long', () => {
    const h = harness();
    h.handle('SIGINT');
    h.advance(SAME_KEYPRESS_MS);
    h.handle('SIGINT');
    expect(h.errors).toEqual(['npm start: forced exit']);
    expect(h.exits).toEqual([1]);
    expect(h.timers.map((t) => t.ms)).toEqual([SHUTDOWN_LIMIT_MS]);
    h.timers[0]!.fn();
    expect(h.exits).toEqual([1, 1]);
  });

  it('says when it waits for invocations in flight, and how to stop waiting', () => {
    const one = harness(undefined, 1);
    one.handle('SIGINT');
    expect(one.lines).toEqual([
      '\nSIGINT: shutting down',
      'SIGINT: waiting for 1 invocation in flight (Ctrl-C again to force)',
    ]);
    const three = harness(undefined, 3);
    three.handle('SIGTERM');
    expect(three.lines.at(-1)).toBe('SIGTERM: waiting for 3 invocations in flight (Ctrl-C again to force)');
    const idle = harness(undefined, 0);
    idle.handle('SIGINT');
    expect(idle.lines).toEqual(['\nSIGINT: shutting down']);
  });
});
