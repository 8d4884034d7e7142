/**
 * Captures everything this process writes to stdout/stderr (Powertools Logger and Metrics write
 * there directly), so tests can assert what reached the logs, and keeps it out of the test report.
 */
export interface CapturedOutput {
  text(): string;
  /** Each JSON line written, parsed (other lines are skipped). */
  records(): Record<string, unknown>[];
  restore(): void;
}

export const captureOutput = (): CapturedOutput => {
  const chunks: string[] = [];
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((s) => s.write);
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof stream.write;
  }
  const text = () => chunks.join('');
  return {
    text,
    records: () =>
      text()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    restore: () => {
      streams.forEach((stream, i) => {
        stream.write = originals[i]!;
      });
    },
  };
};
