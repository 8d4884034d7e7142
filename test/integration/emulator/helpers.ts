/**
 * Raw-HTTP helpers for driving the emulator exactly as mesibo's documents show: a JSON envelope
 * posted to /backend/, and legacy parameters in an /api.php query string or form body.
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type EmulatorControl, emulatorControl } from '../../../local/mesibo-emulator/control';
import {
  type MesiboEmulatorOptions,
  type RunningEmulator,
  startMesiboEmulator,
} from '../../../local/mesibo-emulator/server';

export const APP_TOKEN = 'emulator-test-app-token-0123456789abcdefghijklmnop';

export type Envelope = Record<string, unknown> & { op: string; result: boolean };

export interface Harness {
  emulator: RunningEmulator;
  control: EmulatorControl;
  /** POST /backend/ with `{ op, token, ...body }`. */
  json(op: string, body?: Record<string, unknown>, headers?: Record<string, string>): Promise<Envelope>;
  /** GET /api.php?op=...&token=...&... */
  legacy(
    op: string,
    params?: Record<string, string | number>,
    headers?: Record<string, string>,
  ): Promise<Envelope>;
  /** POST /api.php with a form body (and optionally some parameters in the query string). */
  legacyForm(
    form: Record<string, string | number>,
    query?: Record<string, string | number>,
  ): Promise<Envelope>;
}

const asStrings = (params: Record<string, string | number>) =>
  Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]));

export const harnessFor = (emulator: RunningEmulator): Harness => ({
  emulator,
  control: emulatorControl(emulator.url),
  async json(op, body = {}, headers = {}) {
    const res = await fetch(emulator.backendUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ op, token: emulator.appToken, ...body }),
    });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
    return (await res.json()) as Envelope;
  },
  async legacy(op, params = {}, headers = {}) {
    const query = new URLSearchParams({ op, token: emulator.appToken, ...asStrings(params) });
    const res = await fetch(`${emulator.legacyUrl}?${query}`, { headers });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
    return (await res.json()) as Envelope;
  },
  async legacyForm(form, query = {}) {
    const search = new URLSearchParams(asStrings(query)).toString();
    const res = await fetch(`${emulator.legacyUrl}${search ? `?${search}` : ''}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(asStrings(form)).toString(),
    });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
    return (await res.json()) as Envelope;
  },
});

/**
 * One emulator per test file, reset before each test. The returned object is filled in by
 * `beforeAll`, so destructure it inside tests, not at collection time.
 */
export const useEmulator = (options: MesiboEmulatorOptions = {}): Harness => {
  const holder = {} as Harness;
  beforeAll(async () => {
    Object.assign(holder, harnessFor(await startMesiboEmulator({ appToken: APP_TOKEN, ...options })));
  });
  beforeEach(async () => {
    await holder.control.reset();
    await holder.control.configure({
      tokenBreach: options.tokenBreach ?? false,
      maxList: options.maxList ?? 20,
    });
  });
  afterAll(async () => {
    await holder.emulator?.close();
  });
  return holder;
};

/** Every failure carries the full envelope; returns it for further checks. */
export const FAILURE_KEYS = ['op', 'result', 'error', 'code', 'cause', 'action', 'properties'] as const;

/** Polls `check` until it returns a value (not undefined) or the attempts run out. */
export const eventually = async <T>(check: () => Promise<T | undefined>, attempts = 100): Promise<T> => {
  for (let i = 0; i < attempts; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition not met in time');
};
