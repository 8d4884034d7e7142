/** In-memory ports for the notify unit tests: no sockets, everything assertable. */
import { MesiboError, type MesiboErrorInit } from '../../../shared/mesibo/errors';
import type {
  OneTimeSchedule,
  OneTimeScheduler,
  QueueMessage,
  QueuePublisher,
  RedeliveryDelay,
} from '../../../shared/ports';
import type { DeadLetterRecord } from '../../../shared/system-messages/fanout-message';
import {
  type BatchLedger,
  type BatchRecord,
  type DeadLetters,
  OnceConflictError,
  type OnceGate,
  OnceInProgressError,
  type StatusStore,
} from '../../../shared/system-messages/ports';

export class ManualClock {
  constructor(public ms = Date.parse('2030-01-01T00:00:00Z')) {}
  now = () => this.ms;
  advance(ms: number) {
    this.ms += ms;
  }
}

export class CapturingQueue implements QueuePublisher {
  readonly published: QueueMessage[] = [];
  readonly calls: number[] = [];
  async publish(messages: QueueMessage[]) {
    this.calls.push(messages.length);
    this.published.push(...messages);
  }
  bodies<T = Record<string, unknown>>(): T[] {
    return this.published.map((m) => JSON.parse(m.body) as T);
  }
}

export class CapturingDeadLetters implements DeadLetters {
  readonly records: DeadLetterRecord[] = [];
  async put(record: DeadLetterRecord) {
    this.records.push(record);
  }
}

export class CapturingScheduler implements OneTimeScheduler {
  readonly created: (OneTimeSchedule & { targetArn: string })[] = [];
  constructor(private readonly targetArn = '') {}
  for(targetArn: string): OneTimeScheduler {
    const parent = this;
    return {
      async create(schedule) {
        if (parent.created.some((s) => s.name === schedule.name)) return 'exists';
        parent.created.push({ ...schedule, targetArn });
        return 'created';
      },
    };
  }
  create(schedule: OneTimeSchedule) {
    return this.for(this.targetArn).create(schedule);
  }
}

export class RecordingDelay implements RedeliveryDelay {
  readonly delays: number[] = [];
  async delay(_message: { receiptHandle: string }, seconds: number) {
    this.delays.push(seconds);
  }
}

/** Same semantics as the DynamoDB ledger: conditional transitions on (state, attempts). */
export class MemoryLedger implements BatchLedger {
  readonly records = new Map<string, BatchRecord & { outcome?: Record<string, unknown> }>();
  async claim(key: string, leaseUntil: number) {
    const current = this.records.get(key);
    if (!current || current.state === 'retry') {
      const attempts = (current?.attempts ?? 0) + 1;
      this.records.set(key, { state: 'sending', attempts, leaseUntil });
      return { claimed: true as const, attempts };
    }
    return { claimed: false as const, record: { ...current } };
  }
  async takeOver(key: string, seenAttempts: number, leaseUntil: number) {
    const current = this.records.get(key);
    if (current?.state !== 'sending' || current.attempts !== seenAttempts) return undefined;
    this.records.set(key, { state: 'sending', attempts: seenAttempts + 1, leaseUntil });
    return seenAttempts + 1;
  }
  async settle(
    key: string,
    attempts: number,
    state: Exclude<BatchRecord['state'], 'sending'>,
    outcome?: Record<string, unknown>,
  ) {
    const current = this.records.get(key);
    if (current?.state !== 'sending' || current.attempts !== attempts) return false;
    this.records.set(key, { ...current, state, outcome });
    return true;
  }
  states() {
    return Object.fromEntries([...this.records].map(([k, v]) => [k, v.state]));
  }
}

/** Runs each key once; repeats get the stored result (like Powertools idempotency). */
export class MemoryGate implements OnceGate {
  readonly stored = new Map<string, { payload: string; result?: object }>();
  async once<T extends object>(scope: string, key: string, payload: object, run: () => Promise<T>) {
    const id = `${scope}#${key}`;
    const seen = this.stored.get(id);
    if (seen) {
      if (seen.payload !== JSON.stringify(payload)) throw new OnceConflictError(`${key} conflict`);
      if (!seen.result) throw new OnceInProgressError(`${key} in progress`);
      return seen.result as T;
    }
    this.stored.set(id, { payload: JSON.stringify(payload) });
    try {
      const result = await run();
      this.stored.set(id, { payload: JSON.stringify(payload), result });
      return result;
    } catch (e) {
      this.stored.delete(id);
      throw e;
    }
  }
}

export const mesiboError = (init: Partial<MesiboErrorInit> & Pick<MesiboErrorInit, 'kind'>) =>
  new MesiboError({ op: 'message', error: 'BADVALUE', retryable: false, ...init });

/** Records what the use cases tell the status store; `read` answers nothing. */
export class RecordingStatus implements StatusStore {
  readonly calls: [string, ...unknown[]][] = [];
  private record =
    (name: string) =>
    async (...args: unknown[]) =>
      void this.calls.push([name, ...args]);
  begin = this.record('begin');
  expanding = this.record('expanding');
  expansionFailed = this.record('expansionFailed');
  expanded = this.record('expanded');
  countPart = this.record('countPart');
  countBatchDone = this.record('countBatchDone');
  countDeadLettered = this.record('countDeadLettered');
  read: StatusStore['read'] = async () => undefined;
  named(name: string) {
    return this.calls.filter((c) => c[0] === name).map((c) => c.slice(1));
  }
}
