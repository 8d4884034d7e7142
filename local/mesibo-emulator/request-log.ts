/**
 * Every mesibo request the emulator received, for `/_emulator/requests`. The app token never
 * reaches the log: the top-level `token` parameter is replaced, and so is the token's text wherever
 * else it appears (a leaked token in a name, an address, a message body).
 */
import { tailAfter } from '../console/feeds';
import type { EmulatorRequest } from './control';

export const REDACTED = '[REDACTED]';

/** Oldest entries are dropped past this, so a long benchmark run cannot exhaust memory. */
export const MAX_LOGGED_REQUESTS = 200_000;

/** What stands in for values nested deeper than MAX_LOGGED_DEPTH (no mesibo request nests past 4). */
export const TOO_DEEP = '[nested too deep]';
const MAX_LOGGED_DEPTH = 16;

/** A redacted copy, cut at MAX_LOGGED_DEPTH so that no body can overflow the stack here or in the log's JSON. */
const redactValue = (value: unknown, secret: string, depth = 0): unknown => {
  if (typeof value === 'string') return value.includes(secret) ? value.replaceAll(secret, REDACTED) : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_LOGGED_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, secret, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, secret, depth + 1)]));
};

export const redactParams = (params: Record<string, unknown>, appToken: string): Record<string, unknown> => {
  const copy = redactValue(params, appToken) as Record<string, unknown>;
  // Whatever was sent as the app token is secret, right or wrong (a rotated-out token still is).
  if ('token' in copy) copy.token = REDACTED;
  return copy;
};

export class RequestLog {
  private entries: EmulatorRequest[] = [];
  private nextSeq = 1;

  record(entry: Omit<EmulatorRequest, 'seq'>): void {
    this.entries.push({ seq: this.nextSeq++, ...entry });
    if (this.entries.length > MAX_LOGGED_REQUESTS)
      this.entries.splice(0, this.entries.length - MAX_LOGGED_REQUESTS);
  }

  list(op?: string): EmulatorRequest[] {
    return op === undefined ? this.entries : this.entries.filter((e) => e.op === op);
  }

  /** The newest `limit` entries numbered above `after`, and the highest number given out so far. */
  since(after: number, limit: number): { last: number; entries: EmulatorRequest[] } {
    return { last: this.nextSeq - 1, entries: tailAfter(this.entries, after, limit) };
  }

  clear(): void {
    this.entries = [];
    this.nextSeq = 1;
  }
}
