/**
 * In-process stand-in for the Lambda service: handlers registered by function name, invoked with a
 * Lambda-shaped context and the function's timeout, every invocation recorded for the console.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { FunctionName } from '../../shared/functions';
import { LOCAL_ACCOUNT_ID } from '../auth/dev-credentials';

export type Invoker = (event: unknown, context: Context) => Promise<unknown>;

/** Adapts a typed handler; the caller (gateway, queue, scheduler) guarantees the event shape. */
export const asInvoker =
  <E>(fn: (event: E, context: Context) => unknown): Invoker =>
  async (event, context) =>
    fn(event as E, context);

export type InvocationSource = 'http' | 'sqs' | 'schedule';

export interface InvocationRecord {
  requestId: string;
  function: FunctionName;
  source: InvocationSource;
  at: number;
  durationMs: number;
  outcome: 'ok' | 'error' | 'timeout';
  error?: string;
  /** The event as the function received it (kept for the most recent EVENTS_KEPT invocations). */
  event?: unknown;
}

/** Events can be large (webhook bodies up to 1 MiB), so only the latest few are kept. */
export const EVENTS_KEPT = 50;

export class FunctionNotWiredError extends Error {
  constructor(readonly functionName: FunctionName) {
    super(`function ${functionName} is not wired in the local stack`);
  }
}

export interface LambdaRuntimeOptions {
  region: string;
  /** Per-invocation timeout (Lambda's function timeout). */
  timeoutMs?: number;
  /** How many invocation records to keep. */
  keep?: number;
}

export class LambdaRuntime {
  private readonly fns = new Map<FunctionName, Invoker>();
  private readonly log: InvocationRecord[] = [];

  constructor(private readonly options: LambdaRuntimeOptions) {}

  register(name: FunctionName, fn: Invoker): void {
    this.fns.set(name, fn);
  }

  has(name: FunctionName): boolean {
    return this.fns.has(name);
  }

  wired(): FunctionName[] {
    return [...this.fns.keys()];
  }

  /** The recorded invocations, oldest first; with `events`, the kept events too. */
  invocations(options: { events?: boolean } = {}): InvocationRecord[] {
    return options.events ? [...this.log] : this.log.map(({ event: _, ...rest }) => rest);
  }

  async invoke(name: FunctionName, event: unknown, source: InvocationSource): Promise<unknown> {
    const fn = this.fns.get(name);
    if (!fn) throw new FunctionNotWiredError(name);
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const requestId = randomUUID();
    const started = Date.now();
    const context: Context = {
      callbackWaitsForEmptyEventLoop: false,
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${this.options.region}:${LOCAL_ACCOUNT_ID}:function:${name}`,
      memoryLimitInMB: '256',
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: 'local',
      getRemainingTimeInMillis: () => Math.max(0, started + timeoutMs - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    const record = (outcome: InvocationRecord['outcome'], error?: string) => {
      this.log.push({
        requestId,
        function: name,
        source,
        at: started,
        durationMs: Date.now() - started,
        outcome,
        ...(error ? { error } : {}),
        event,
      });
      if (this.log.length > (this.options.keep ?? 200)) this.log.shift();
      const dropped = this.log.at(-EVENTS_KEPT - 1);
      if (dropped) delete dropped.event;
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Task timed out after ${timeoutMs / 1000} seconds`)),
        timeoutMs,
      );
    });
    try {
      const result = await Promise.race([fn(event, context), timeout]);
      record('ok');
      return result;
    } catch (e) {
      const message = (e as Error).message;
      record(message.startsWith('Task timed out') ? 'timeout' : 'error', message);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }
}
