/**
 * Append-only feeds the console polls with a cursor, so a poll carries only what is new. A cursor is
 * `<epoch>-<seq>`: the epoch names one run of the feed, so a console left open across a restart of
 * the stack (or a reset of the emulator's log) starts over instead of waiting for old numbers.
 */
import { randomBytes } from 'node:crypto';

export interface FeedPage<T> {
  /** Pass back as `?since=` to get only what came after this page. */
  cursor: string;
  /** True when the cursor was absent or from another run: the page replaces what the caller had. */
  reset: boolean;
  /** Oldest first; at most `limit`, the newest ones when more are new. */
  entries: T[];
}

export type Sequenced<T> = T & { seq: number };

export const newEpoch = (): string => randomBytes(4).toString('hex');

/** A cursor the caller sent, or undefined when it is absent or not of the form this module writes. */
export const parseCursor = (since: string | null): { epoch: string; seq: number } | undefined => {
  const m = /^([0-9a-f]{8})-(\d{1,15})$/.exec(since ?? '');
  return m ? { epoch: m[1] as string, seq: Number(m[2]) } : undefined;
};

export const isCursor = (since: string | null): boolean => since === null || parseCursor(since) !== undefined;

export interface SourcePage<T> {
  /** The highest number the source has given out. */
  last: number;
  entries: T[];
}

/**
 * The entries after `since`, from a source numbered from 1 up: `read(after, limit)` answers its kept
 * entries numbered above `after` (at most `limit`, the newest) and its latest number.
 */
export const pageOf = async <T extends { seq: number }>(
  epoch: string,
  since: string | null,
  limit: number,
  read: (after: number, limit: number) => SourcePage<T> | Promise<SourcePage<T>>,
): Promise<FeedPage<T>> => {
  const cursor = parseCursor(since);
  if (cursor && cursor.epoch === epoch) {
    const page = await read(cursor.seq, limit);
    // A number above the source's latest means the source started over (an emulator reset).
    if (cursor.seq <= page.last) {
      return {
        cursor: `${epoch}-${page.entries.at(-1)?.seq ?? cursor.seq}`,
        reset: false,
        entries: page.entries,
      };
    }
  }
  const page = await read(0, limit);
  return { cursor: `${epoch}-${page.last}`, reset: true, entries: page.entries };
};

/** Index of the first entry numbered above `after` in entries sorted by `seq`. */
const firstAfter = (entries: readonly { seq: number }[], after: number): number => {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((entries[mid] as { seq: number }).seq <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

/** The newest `limit` of the entries numbered above `after`. */
export const tailAfter = <T extends { seq: number }>(entries: readonly T[], after: number, limit: number) =>
  entries.slice(Math.max(firstAfter(entries, after), entries.length - limit));

/** A bounded ring of the latest entries, each numbered as it arrives. */
export class Feed<T> {
  readonly epoch = newEpoch();
  private entries: Sequenced<T>[] = [];
  private seq = 0;

  constructor(private readonly keep: number) {}

  push(entry: T): Sequenced<T> {
    const numbered = { ...entry, seq: ++this.seq } as Sequenced<T>;
    this.entries.push(numbered);
    if (this.entries.length > this.keep) this.entries.shift();
    return numbered;
  }

  /** The kept entry at this index (negative: from the newest). */
  at(index: number): Sequenced<T> | undefined {
    return this.entries.at(index);
  }

  page(since: string | null, limit = this.keep): Promise<FeedPage<Sequenced<T>>> {
    return pageOf(this.epoch, since, limit, (after, n) => ({
      last: this.seq,
      entries: tailAfter(this.entries, after, n),
    }));
  }
}
