/**
 * The emulator's observation and fault-injection API, typed, for tests, the benchmarks and the local
 * console. It talks to a running emulator over HTTP only (`/_emulator/...`).
 */
import type { MemberPermissions } from '../../shared/mesibo/types';

/** Request fields beyond the ones the emulator reads, kept exactly as sent. */
export type EmulatorExtra = Record<string, unknown>;

export interface EmulatorToken {
  /** null for a v2 token issued without an appid. */
  appid: string | null;
  issuedAt: number;
  /** Epoch ms; null = never expires. */
  expiresAt: number | null;
  v2: boolean;
  /** The token's other request fields: session, device, package, bundle, url, platform switches... */
  options?: EmulatorExtra;
  /** Only present when the state was requested with `tokens: true`. */
  token?: string;
}

export interface EmulatorUser {
  uid: number;
  address: string;
  name?: string;
  active: boolean;
  flags?: number;
  /** Legacy `groups`: the maximum number of groups. */
  groups?: number;
  extra?: EmulatorExtra;
  tokens: EmulatorToken[];
}

/** A pending one-time password (`op: otp`), by address. */
export interface EmulatorOtp {
  address: string;
  issuedAt: number;
  expiresAt: number;
  triesLeft: number;
  reuse: boolean;
  /** Only present when the state was requested with `tokens: true`. */
  code?: string;
}

export interface EmulatorMember {
  address: string;
  permissions: Required<MemberPermissions>;
  /** Admin rights as sent (`{ owner: true }`, ...). */
  admin?: EmulatorExtra;
}

export interface EmulatorGroup {
  gid: number;
  name?: string;
  flags: number;
  active: boolean;
  /** Seconds, as sent. */
  expiry?: number;
  expiryext?: number;
  extra?: EmulatorExtra;
  members: EmulatorMember[];
}

export interface EmulatorMessage {
  mid: number;
  from: string;
  /** Recipient addresses as sent (a group message may carry some too, or none). */
  to: string[];
  gid?: number;
  type: number;
  /** Seconds. */
  expiry: number;
  /** Seconds of delay. */
  when: number;
  title?: string;
  url?: string;
  message?: string;
  flags?: number | null;
  forced?: boolean;
  channel?: number;
  extra?: EmulatorExtra;
  at: number;
}

export interface EmulatorState {
  users: EmulatorUser[];
  otps: EmulatorOtp[];
  groups: EmulatorGroup[];
  messages: EmulatorMessage[];
  tokenBreach: { enabled: boolean; tripped: boolean; ips: string[] };
}

export interface EmulatorRequest {
  seq: number;
  at: number;
  transport: 'json' | 'legacy';
  /** The requested op ('' when none could be read). */
  op: string;
  ip: string;
  /** The request parameters as received, with the app token replaced by "[REDACTED]". */
  params: Record<string, unknown>;
  /** HTTP status sent (0 when the connection was dropped or hung). */
  status: number;
  /** Whether the op succeeded (false for API failures and injected faults). */
  result: boolean;
  error?: string;
  /** The injected fault that shaped this response, if any. */
  fault?: FaultKind;
  durationMs: number;
}

export type FaultKind =
  /** Delay the (normal) response by `ms`. */
  | 'latency'
  /** Answer with HTTP `status` (e.g. 500, 503, 429) and a non-envelope body; the op is NOT applied. */
  | 'status'
  /** Apply the op, then answer with HTTP `status` (the caller cannot know it succeeded). */
  | 'status-after-apply'
  /** Never answer (until the client gives up); the op is NOT applied. */
  | 'hang'
  /** Answer 200 with a body that is not JSON; the op is NOT applied. */
  | 'malformed'
  /** Destroy the connection without a response; the op is NOT applied. */
  | 'reset'
  /** Answer 200 with a mesibo failure envelope (`error`, default BADVALUE; `properties`); NOT applied. */
  | 'api-error';

export interface FaultSpec {
  kind: FaultKind;
  ms?: number;
  status?: number;
  /** Only requests for these ops (default: every op). */
  ops?: readonly string[];
  /** Let this many matching requests pass untouched first. */
  skip?: number;
  /** Affect at most this many matching requests (default: unlimited). */
  count?: number;
  /** Affect each matching request with this probability, 0..1 (default 1). */
  rate?: number;
  /** Only requests whose parameters, as JSON, contain this text (e.g. one recipient's address). */
  match?: string;
  /** api-error: the mesibo error code (default BADVALUE). */
  error?: string;
  /** api-error: the request fields named at fault. */
  properties?: readonly string[];
}

export interface EmulatorSettings {
  /** The TOKENBREACH rule: more than 5 distinct caller IPs for the app token disables it. */
  tokenBreach?: boolean;
  /** Max entries returned by usersget / groupgetmembers. */
  maxList?: number;
}

export interface EmulatorControl {
  /** `tokens: true` includes token values and OTP codes. */
  state(options?: { tokens?: boolean }): Promise<EmulatorState>;
  requests(options?: { op?: string }): Promise<EmulatorRequest[]>;
  /** The newest `limit` requests numbered above `after`; `last` is the highest number given out. */
  requestsSince(after: number, limit?: number): Promise<{ last: number; entries: EmulatorRequest[] }>;
  /** Adds a fault rule (rules apply in the order added; the first that matches a request wins). */
  addFault(spec: FaultSpec): Promise<void>;
  clearFaults(): Promise<void>;
  configure(settings: EmulatorSettings): Promise<void>;
  /** Forgets users, groups, messages, requests and faults (the app token stays). */
  reset(): Promise<void>;
}

export const emulatorControl = (baseUrl: string): EmulatorControl => {
  const root = baseUrl.replace(/\/+$/, '');
  const call = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${root}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`emulator ${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    return (res.status === 204 ? undefined : await res.json()) as T;
  };
  return {
    state: (o) => call('GET', `/_emulator/state${o?.tokens ? '?tokens=1' : ''}`),
    requests: (o) => call('GET', `/_emulator/requests${o?.op ? `?op=${encodeURIComponent(o.op)}` : ''}`),
    requestsSince: (after, limit) =>
      call('GET', `/_emulator/requests?since=${after}${limit === undefined ? '' : `&limit=${limit}`}`),
    addFault: (spec) => call('POST', '/_emulator/faults', spec),
    clearFaults: () => call('POST', '/_emulator/faults', { clear: true }),
    configure: (settings) => call('POST', '/_emulator/settings', settings),
    reset: () => call('POST', '/_emulator/reset'),
  };
};
