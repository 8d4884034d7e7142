/**
 * The one per-invocation runtime of every function: the Lambda context and a correlation id
 * (`correlation_id`: API Gateway's request id for HTTP, else the Lambda request id) on the logger, any error turned into the answer its trigger expects (a problem response for HTTP, batch item
 * failures for SQS, a thrown error for Scheduler and other async invocations), then metrics flushed
 * and the invocation's log keys reset. Built on Powertools' own `addContext`, `setCorrelationId`,
 * `resetKeys` and `processPartialResponse` rather than middy, which the project does not depend on.
 */
import { type BasePartialBatchProcessor, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { BatchProcessingOptions } from '@aws-lambda-powertools/batch/types';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyResultV2, Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type ErrorResponseOptions, errorResponse } from '../http/problem';

export interface InvocationParts {
  logger: Logger;
  metrics?: { flush?(): void };
  /** Called at the start of each invocation, e.g. to hand the idempotency gate the remaining time. */
  onInvocation?(context: Context): void;
}

/** What HTTP routes use of an API Gateway v2 event (the tests and the local gateway build the same). */
export interface HttpEventBase {
  routeKey?: string;
  rawPath?: string;
  requestContext?: { requestId?: string };
}

const begin = (parts: InvocationParts, context: Context | undefined, correlationId: string | undefined) => {
  if (context) parts.logger.addContext(context);
  const id = correlationId ?? context?.awsRequestId;
  if (id) parts.logger.setCorrelationId(id);
  if (context) parts.onInvocation?.(context);
};

const end = (parts: InvocationParts) => {
  parts.metrics?.flush?.();
  parts.logger.resetKeys();
};

/** How a route's errors are named; every problem's `instance` is the request's path, on every route. */
type RouteErrors = Omit<ErrorResponseOptions, 'instance'>;

/** The answer to an error of an HTTP route. */
const answerError = async <E extends HttpEventBase>(
  e: unknown,
  event: E,
  logger: Parameters<typeof errorResponse>[1],
  options: HttpOptions<E>,
): Promise<APIGatewayProxyResultV2> => {
  options.onError?.(e);
  const named = typeof options.errors === 'function' ? options.errors(event) : options.errors;
  return errorResponse(e, logger, { ...named, ...(event.rawPath ? { instance: event.rawPath } : {}) });
};

export interface HttpOptions<E> {
  /** Names the request in the log line of a refusal or failure; may depend on the event. */
  errors: RouteErrors | ((event: E) => RouteErrors);
  /** Sees every error before it is answered (e.g. to count refusals). */
  onError?(error: unknown): void;
}

/** An HTTP route: the API Gateway request id is the correlation id; any error is a problem response. */
export const httpFunction =
  <E extends HttpEventBase>(
    parts: InvocationParts,
    route: (event: E, context: Context | undefined) => Promise<APIGatewayProxyResultV2>,
    options: HttpOptions<E>,
  ) =>
  async (event: E, context?: Context): Promise<APIGatewayProxyResultV2> => {
    const requestId = event.requestContext?.requestId;
    begin(parts, context, requestId);
    // `requestId` and `route` are the documented keys of the HTTP functions' lines.
    parts.logger.appendKeys({ requestId, route: event.routeKey });
    try {
      return await route(event, context);
    } catch (e) {
      return answerError(e, event, parts.logger, options);
    } finally {
      end(parts);
    }
  };

export interface SqsOptions<P extends BasePartialBatchProcessor> {
  /** A new processor per invocation: it holds the batch's state, and invocations may overlap locally. */
  processor: () => P;
  record: (record: SQSRecord) => Promise<unknown>;
  /** Runs before any record; when it throws, the whole batch fails untouched and SQS delivers it again. */
  before?: () => Promise<void>;
  /** Passed on to the processor (e.g. `skipGroupOnError` for a FIFO queue). */
  batch?: Omit<BatchProcessingOptions<P>, 'context' | 'throwOnFullBatchFailure'>;
}

/**
 * An SQS consumer: failed records are reported as batch item failures. Every record failing is still
 * a partial response, not a thrown error: each record's retry is already decided by its own handling.
 */
export const sqsFunction =
  <P extends BasePartialBatchProcessor>(parts: InvocationParts, options: SqsOptions<P>) =>
  async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    begin(parts, context, undefined);
    try {
      await options.before?.();
      return await processPartialResponse(event, options.record, options.processor(), {
        ...options.batch,
        ...(context ? { context } : {}),
        throwOnFullBatchFailure: false,
      } as BatchProcessingOptions<P>);
    } finally {
      end(parts);
    }
  };

/**
 * An asynchronous invocation (EventBridge Scheduler): an error is logged and thrown, so Lambda's
 * retries and the target's dead-letter queue take over.
 */
export const asyncFunction =
  <E, R>(parts: InvocationParts, what: string, run: (event: E, context: Context | undefined) => Promise<R>) =>
  async (event: E, context?: Context): Promise<R> => {
    begin(parts, context, undefined);
    try {
      return await run(event, context);
    } catch (e) {
      parts.logger.error(`${what} failed`, { error: e instanceof Error ? e : String(e) });
      throw e;
    } finally {
      end(parts);
    }
  };

/** Loads the logger for this invocation, with its context and correlation id, on first use. */
export type InvocationLogger = () => Promise<Logger>;

/**
 * An HTTP route whose fast path must load no logger (health's liveness): the logger is loaded, and
 * given the invocation's context, only when the route asks for it or an error needs logging.
 */
export const lazyHttpFunction =
  <E extends HttpEventBase>(
    loadLogger: () => Promise<Logger>,
    route: (event: E, logger: InvocationLogger) => Promise<APIGatewayProxyResultV2>,
    options: HttpOptions<E>,
  ) =>
  async (event: E, context?: Context): Promise<APIGatewayProxyResultV2> => {
    let loaded: Logger | undefined;
    const logger: InvocationLogger = async () => {
      if (!loaded) {
        loaded = await loadLogger();
        begin({ logger: loaded }, context, event.requestContext?.requestId);
      }
      return loaded;
    };
    try {
      return await route(event, logger);
    } catch (e) {
      return answerError(e, event, await logger(), options);
    } finally {
      loaded?.resetKeys();
    }
  };
