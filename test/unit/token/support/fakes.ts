/**
 * Deterministic stand-ins for the token use case's ports: virtual time (a clock plus sleeps that only
 * advance when every request is waiting), a scripted mesibo, and recording metrics and logs.
 */
import { MesiboError, type MesiboErrorInit } from '../../../../shared/mesibo/errors';
import type {
  MesiboClient,
  UserAddInput,
  UserAddResult,
  UserRef,
  UserSetInput,
} from '../../../../shared/mesibo/types';
import type { TokenLogger } from '../../../../shared/token/issue-token';
import type { TokenMetricName, TokenMetrics } from '../../../../shared/token/metrics';

export const T0 = Date.UTC(2030, 0, 1);

export class VirtualTime {
  private sleepers: { at: number; wake: () => void }[] = [];
  constructor(public now = T0) {}

  readonly clock = { now: () => this.now };
  readonly sleep = (ms: number) =>
    new Promise<void>((wake) => {
      this.sleepers.push({ at: this.now + ms, wake });
    });

  /** Runs the work to completion, advancing time only when nothing else can make progress. */
  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    work.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    while (!settled) {
      for (let i = 0; i < 50 && !settled; i++) await new Promise((r) => setImmediate(r));
      if (settled) break;
      this.sleepers.sort((a, b) => a.at - b.at);
      const next = this.sleepers.shift();
      if (!next) throw new Error('deadlock: nothing is sleeping and the work has not finished');
      this.now = Math.max(this.now, next.at);
      next.wake();
    }
    return work;
  }
}

export const mesiboError = (init: Partial<MesiboErrorInit> & Pick<MesiboErrorInit, 'kind' | 'error'>) =>
  new MesiboError({ op: 'useradd', retryable: false, ...init });

export const outage = () =>
  mesiboError({ kind: 'http', error: 'HTTP_503', httpStatus: 503, retryable: true });

type Step = { fail?: unknown; latencyMs?: number };

/** mesibo that issues tokens `tok-<address>-<n>`, after a virtual latency, or fails as scripted. */
export class FakeMesibo implements MesiboClient {
  readonly calls: { op: string; input: unknown }[] = [];
  private steps: Step[] = [];
  private issued = 0;
  constructor(
    private readonly time: VirtualTime,
    private readonly latencyMs = 50,
  ) {}

  /** The next calls behave like this, one step per call; afterwards calls succeed. */
  answer(...steps: Step[]): this {
    this.steps.push(...steps);
    return this;
  }

  ops(op: string) {
    return this.calls.filter((c) => c.op === op);
  }

  /** The last token issued: with one live token per (user, appid), the only one mesibo still honours. */
  lastToken(): string | undefined {
    return this.lastIssued;
  }
  private lastIssued: string | undefined;

  private async step(op: string, input: unknown): Promise<void> {
    this.calls.push({ op, input });
    const step = this.steps.shift() ?? {};
    await this.time.sleep(step.latencyMs ?? this.latencyMs);
    if (step.fail) throw step.fail;
  }

  async useradd(input: UserAddInput): Promise<UserAddResult> {
    await this.step('useradd', input);
    this.issued += 1;
    this.lastIssued = `tok-${input.address}-${this.issued}`;
    return { uid: 1000 + input.address.length, token: this.lastIssued };
  }
  async userset(input: UserSetInput): Promise<void> {
    await this.step('userset', input);
  }
  async userdel(user: UserRef): Promise<void> {
    await this.step('userdel', user);
  }
  usersget(): never {
    throw new Error('not used');
  }
  groupadd(): never {
    throw new Error('not used');
  }
  groupset(): never {
    throw new Error('not used');
  }
  groupdel(): never {
    throw new Error('not used');
  }
  groupeditmembers(): never {
    throw new Error('not used');
  }
  groupgetmembers(): never {
    throw new Error('not used');
  }
  message(): never {
    throw new Error('not used');
  }
}

export class RecordingMetrics implements TokenMetrics {
  readonly counted: TokenMetricName[] = [];
  count(name: TokenMetricName) {
    this.counted.push(name);
  }
  flush() {}
  total(name: TokenMetricName) {
    return this.counted.filter((c) => c === name).length;
  }
}

export const silentLogger: TokenLogger = { debug() {}, info() {}, warn() {}, error() {} };
