/**
 * Deterministic stand-ins for the token use case: virtual time (a clock plus sleeps that only advance
 * when every request is waiting) and mesibo errors as the client raises them.
 */
import { MesiboError, type MesiboErrorInit } from '../../../../shared/mesibo/errors';

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
