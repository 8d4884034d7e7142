import { describe, expect, it } from 'vitest';
import { SAME_KEYPRESS_MS, SHUTDOWN_LIMIT_MS, signalHandler } from '../../../local/shutdown';

const harness = (close: () => Promise<void> = () => new Promise(() => {})) => {
  let now = 0;
  const exits: number[] = [];
  const errors: string[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  let closes = 0;
  const handle = signalHandler({
    close: () => {
      closes += 1;
      return close();
    },
    exit: (code) => exits.push(code),
    log: () => {},
    error: (line) => errors.push(line),
    now: () => now,
    setTimer: (fn, ms) => timers.push({ fn, ms }),
  });
  return {
    handle,
    advance: (ms: number) => (now += ms),
    exits,
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
});
