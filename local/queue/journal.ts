/**
 * An append-only journal of JSON lines: how the local queues and the local scheduler keep their state
 * across a crash with `--persist`. Each entry is written with one synchronous write before the change
 * it records is acted on, so a process killed at any point (SIGKILL included) leaves every entry it
 * acted on in the file (the kernel holds it; only a power loss could drop it). A torn last line, from
 * a kill in the middle of a write, is ignored on replay: its change was never acted on.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export class Journal<E> {
  private fd: number;
  private lines = 0;

  private constructor(
    private readonly path: string,
    private readonly compactFrom: () => E[],
  ) {
    this.fd = openSync(path, 'a', 0o600);
  }

  /**
   * Opens (or creates) the journal at `path`; `replay` receives every entry already in it, in order.
   * `snapshot` lists the entries that rebuild the current state, for compaction.
   */
  static open<E>(path: string, replay: (entry: E) => void, snapshot: () => E[]): Journal<E> {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    if (existsSync(path)) {
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (line === '') continue;
        let entry: E;
        try {
          entry = JSON.parse(line) as E;
        } catch {
          continue;
        }
        replay(entry);
      }
    }
    const journal = new Journal<E>(path, snapshot);
    journal.compact();
    return journal;
  }

  append(entry: E): void {
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
    this.lines += 1;
  }

  /** Rewrites the file as a snapshot once history outweighs the state by far, so it stays small. */
  maybeCompact(live: number): void {
    if (this.lines > 1_000 + 4 * live) this.compact();
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Snapshot to a temporary file, then a rename: a crash leaves either the old or the new file. */
  private compact(): void {
    const entries = this.compactFrom();
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    writeSync(fd, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
    closeSync(fd);
    renameSync(tmp, this.path);
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a', 0o600);
    this.lines = entries.length;
  }
}
