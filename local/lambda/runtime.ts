/**
 * In-process stand-in for the Lambda service: handlers registered by function name, invoked with a
 * Lambda-shaped context and the function's timeout, every invocation recorded for the console with
 * the lines it printed, known secrets redacted before anything is kept.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { FunctionName } from '../../shared/functions';
import { LOCAL_ACCOUNT_ID } from '../auth/dev-credentials';
import { Feed, type FeedPage, type Sequenced } from '../console/feeds';
import { type Redactor, redactDeep } from '../console/redact';
import { captureLogs } from './log-capture';

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
  /** The gateway request that caused it (HTTP invocations only). */
  gatewayRequestId?: string;
  /** What the function printed during the invocation (its Powertools JSON log lines). */
  logs: string[];
  /** Lines past the kept ones. */
  logsDropped?: number;
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
  /** Applied to the event, the error and every log line before they are kept. */
  redact?: Redactor;
}

export interface InvokeOptions {
  gatewayRequestId?: string;
}

export class LambdaRuntime {
  private readonly fns = new Map<FunctionName, Invoker>();
  private readonly log: Feed<InvocationRecord>;
  private running = 0;

  constructor(private readonly options: LambdaRuntimeOptions) {
    this.log = new Feed(options.keep ?? 200);
  }

  register(name: FunctionName, fn: Invoker): void {
    this.fns.set(name, fn);
  }

  has(name: FunctionName): boolean {
    return this.fns.has(name);
  }

  wired(): FunctionName[] {
    return [...this.fns.keys()];
  }

  /** Invocations started and not yet settled. */
  get inFlight(): number {
    return this.running;
  }

  /** The recorded invocations after the cursor `since`, oldest first; with `events`, the kept events too. */
  async invocations(
    options: { since?: string | null; limit?: number; events?: boolean } = {},
  ): Promise<FeedPage<Sequenced<InvocationRecord>>> {
    const page = await this.log.page(options.since ?? null, options.limit);
    return options.events ? page : { ...page, entries: page.entries.map(({ event: _, ...rest }) => rest) };
  }

  async invoke(
    name: FunctionName,
    event: unknown,
    source: InvocationSource,
    invokeOptions: InvokeOptions = {},
  ): Promise<unknown> {
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
    const { redact = (text: string) => text } = this.options;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Task timed out after ${timeoutMs / 1000} seconds`)),
        timeoutMs,
      );
    });
    this.running += 1;
    const { settled, log } = await captureLogs(() => Promise.race([fn(event, context), timeout])).finally(
      () => {
        this.running -= 1;
      },
    );
    clearTimeout(timer);
    const error =
      settled.status === 'rejected'
        ? settled.reason instanceof Error
          ? settled.reason.message
          : String(settled.reason)
        : undefined;
    const { gatewayRequestId } = invokeOptions;
    this.log.push({
      requestId,
      function: name,
      source,
      at: started,
      durationMs: Date.now() - started,
      outcome: error === undefined ? 'ok' : error.startsWith('Task timed out') ? 'timeout' : 'error',
      ...(error === undefined ? {} : { error: redact(error) }),
      ...(gatewayRequestId ? { gatewayRequestId } : {}),
      logs: log.lines.map(redact),
      ...(log.dropped ? { logsDropped: log.dropped } : {}),
      event: this.options.redact ? redactDeep(event, redact) : event,
    });
    const older = this.log.at(-EVENTS_KEPT - 1);
    if (older) delete older.event;
    if (settled.status === 'rejected') throw settled.reason;
    return settled.value;
  }
}
