/**
 * Durable emulator state (`persistPath`): every request that can change the model is appended, before
 * it is answered, as one JSON line holding the parsed op and the values it drew from the clock and the
 * random source. Replaying the lines through the same ops rebuilds users, tokens, groups, members,
 * messages, OTPs and the uid/gid/mid counters exactly. An append is a single write, so a SIGKILL
 * loses at most the request being answered; a line torn by the kill is dropped at the next start.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { OpContext, OpRequest } from './model';

/** What one op drew, in order: clock readings (numbers) and generated tokens/codes (strings). */
export type Draw = number | string;

export interface JournalEntry {
  req: OpRequest;
  draws: Draw[];
}

export class Journal {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  /** The entries written so far; a torn last line is cut off so the next append starts clean. */
  read(): JournalEntry[] {
    if (!existsSync(this.path)) return [];
    const text = readFileSync(this.path, 'utf8');
    const complete = text.lastIndexOf('\n') + 1;
    if (complete < text.length) truncateSync(this.path, Buffer.byteLength(text.slice(0, complete)));
    return text
      .slice(0, complete)
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as JournalEntry);
  }

  append(entry: JournalEntry): void {
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
  }

  clear(): void {
    writeFileSync(this.path, '');
  }
}

/** Wraps a context so every value it hands out is also pushed onto `draws`. */
export const recordingContext = (base: OpContext, draws: Draw[]): OpContext => ({
  get maxList() {
    return base.maxList;
  },
  now: () => {
    const at = base.now();
    draws.push(at);
    return at;
  },
  newToken: () => {
    const token = base.newToken();
    draws.push(token);
    return token;
  },
  newOtp: () => {
    const code = base.newOtp();
    draws.push(code);
    return code;
  },
});

/** Hands out the recorded draws again, in order. */
export const replayContext = (draws: readonly Draw[], maxList: number): OpContext => {
  let next = 0;
  const take = <T extends Draw>(kind: 'number' | 'string'): T => {
    const value = draws[next++];
    if (typeof value !== kind) throw new Error(`journal replay: expected a ${kind} draw at ${next - 1}`);
    return value as T;
  };
  return {
    maxList,
    now: () => take<number>('number'),
    newToken: () => take<string>('string'),
    newOtp: () => take<string>('string'),
  };
};
