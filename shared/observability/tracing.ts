/**
 * X-Ray subsegments for a function's downstream calls (its AWS SDK clients and its mesibo calls),
 * through Powertools Tracer. The stack sets POWERTOOLS_TRACE_ENABLED=true when a stage turns tracing
 * on; without it neither the tracer nor the X-Ray SDK is ever loaded. Automatic HTTP capture stays off:
 * its subsegments record each request's URL, and the mesibo calls get subsegments of their own that
 * name the op and nothing else.
 */
import type { Tracer } from '@aws-lambda-powertools/tracer';

export const TRACING_ENV = {
  POWERTOOLS_TRACE_ENABLED: 'true',
  // Responses and errors may carry tokens or addresses: never attach them to a trace.
  POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
  POWERTOOLS_TRACER_CAPTURE_ERROR: 'false',
  POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS: 'false',
} as const;

export const tracingEnabled = (env: Record<string, string | undefined> = process.env): boolean =>
  env.POWERTOOLS_TRACE_ENABLED === 'true';

let tracer: Promise<Tracer> | undefined;

/** One tracer per container, loaded on first use. */
export const loadTracer = (): Promise<Tracer> => {
  tracer ??= import('@aws-lambda-powertools/tracer').then(
    ({ Tracer }) => new Tracer({ captureHTTPsRequests: false }),
  );
  return tracer;
};

/** The client with each of its calls traced as a subsegment when tracing is on; as it is otherwise. */
export const traceClient = async <C extends object>(client: C): Promise<C> =>
  tracingEnabled() ? (await loadTracer()).captureAWSv3Client(client) : client;
