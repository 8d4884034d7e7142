/**
 * The lines a function prints while one invocation runs (Powertools' JSON logs, console output),
 * collected for that invocation as CloudWatch would put them in its log stream. The process's stdout
 * and stderr are tapped once; a write belongs to the invocation whose async context made it, and
 * still reaches the terminal.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** Lines kept per invocation; a function that logs more keeps its first ones and a count. */
const MAX_LINES = 100;
const MAX_LINE_CHARS = 4096;

export interface CapturedLog {
  lines: string[];
  dropped: number;
}

interface Capture extends CapturedLog {
  open: boolean;
  partial: string;
}

const current = new AsyncLocalStorage<Capture>();
let tapped = false;

const take = (capture: Capture, text: string) => {
  const parts = (capture.partial + text).split('\n');
  capture.partial = parts.pop() ?? '';
  for (const line of parts) {
    if (line === '') continue;
    if (capture.lines.length >= MAX_LINES) capture.dropped += 1;
    else capture.lines.push(line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line);
  }
};

const tap = (stream: NodeJS.WriteStream) => {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    const capture = current.getStore();
    // Work the function left running after it returned belongs to no invocation any more.
    if (capture?.open && (typeof chunk === 'string' || chunk instanceof Uint8Array)) {
      take(capture, typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    }
    return write(chunk, ...rest);
  }) as NodeJS.WriteStream['write'];
};

/** Runs `fn`, collecting what it prints; resolves with how it settled and the lines, never rejects. */
export const captureLogs = async <T>(
  fn: () => Promise<T>,
): Promise<{ settled: PromiseSettledResult<T>; log: CapturedLog }> => {
  if (!tapped) {
    tap(process.stdout);
    tap(process.stderr);
    tapped = true;
  }
  const capture: Capture = { lines: [], dropped: 0, open: true, partial: '' };
  let settled: PromiseSettledResult<T>;
  try {
    settled = { status: 'fulfilled', value: await current.run(capture, fn) };
  } catch (reason) {
    settled = { status: 'rejected', reason };
  }
  capture.open = false;
  if (capture.partial) take(capture, '\n');
  return { settled, log: { lines: capture.lines, dropped: capture.dropped } };
};
