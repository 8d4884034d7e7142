/**
 * RFC 9457 problem details. Every error response of the product is built here, so each has a stable
 * `type`/`code`, a human `detail`, the field at fault when there is one, and never a stack or secret.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import type { ZodError } from 'zod';
import { APP_TOKEN_UNSET_CODE, AppTokenUnsetError } from '../secrets/app-token';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_BASE = 'https://mesibo-serverless.dev/problems/';

export interface ProblemField {
  /** Dotted path of the field at fault, e.g. `audience.addresses.3`; `(body)` for the whole body. */
  field: string;
  message: string;
}

export interface ProblemInit {
  status: number;
  /** Stable machine-readable code, e.g. `invalid-request`, `mesibo-unavailable`. */
  code: string;
  title: string;
  detail?: string;
  errors?: ProblemField[];
  /** Extra members (e.g. `mesiboError`), already safe to show. */
  extensions?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** An error a use case throws to end the request with a specific problem response. */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  constructor(readonly problem: ProblemInit) {
    super(problem.detail ?? problem.title);
  }
}

export const problem = (init: ProblemInit, instance?: string): APIGatewayProxyResultV2 => ({
  statusCode: init.status,
  headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...init.headers },
  body: JSON.stringify({
    type: `${TYPE_BASE}${init.code}`,
    title: init.title,
    status: init.status,
    code: init.code,
    ...(init.detail ? { detail: init.detail } : {}),
    ...(init.errors?.length ? { errors: init.errors } : {}),
    ...(instance ? { instance } : {}),
    ...init.extensions,
  }),
});

/** Turns zod issues into problem fields, paths joined with dots. */
export const zodFields = (error: ZodError, prefix?: string): ProblemField[] =>
  error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((p) => p !== undefined && p !== '').join('.');
    const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const field = unknownKeys.length ? [path, unknownKeys[0]].filter(Boolean).join('.') : path;
    return { field: field || '(body)', message: issue.message };
  });

export const invalidRequest = (errors: ProblemField[], detail?: string): ProblemError =>
  new ProblemError({
    status: 400,
    code: 'invalid-request',
    title: 'The request is not valid',
    detail: detail ?? errors.map((e) => `${e.field}: ${e.message}`).join('; '),
    errors,
  });

export const json = (
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

export const noContent = (): APIGatewayProxyResultV2 => ({ statusCode: 204, headers: {} });

/** Seconds a client waits before retrying while the deployment's app token is unset (an operator step). */
export const APP_TOKEN_UNSET_RETRY_AFTER_SECONDS = 30;

/** Routes that need mesibo answer this until the app token is set; the secret is not named to clients. */
export const appTokenUnsetProblem = (): ProblemError =>
  new ProblemError({
    status: 503,
    code: APP_TOKEN_UNSET_CODE,
    title: 'mesibo is not configured yet',
    detail:
      "This deployment's mesibo app token has not been set, so nothing was sent to mesibo; try again later",
    headers: { 'retry-after': String(APP_TOKEN_UNSET_RETRY_AFTER_SECONDS) },
  });

type ProblemLog = Pick<Logger, 'info' | 'error'>;

export interface ErrorResponseOptions {
  /** Names the request in the log line, e.g. `webhook` gives "webhook refused" / "webhook failed". */
  what: string;
  instance?: string;
  /** Replaces the generic detail of the 500, e.g. to say whether a retry is safe. */
  internalDetail?: string;
}

/**
 * The one mapping of a thrown error to a response: a ProblemError answers as it says, an unset app
 * token is a 503 (already logged where it was read); anything else
 * is logged in full and answered with a bare 500, so no stack, upstream body or secret leaks out.
 */
export const errorResponse = (
  thrown: unknown,
  log: ProblemLog,
  { what, instance, internalDetail }: ErrorResponseOptions,
): APIGatewayProxyResultV2 => {
  const e = thrown instanceof AppTokenUnsetError ? appTokenUnsetProblem() : thrown;
  if (e instanceof ProblemError) {
    log.info(`${what} refused`, { status: e.problem.status, code: e.problem.code });
    return problem(e.problem, instance);
  }
  log.error(`${what} failed`, { error: e instanceof Error ? e : String(e) });
  return problem(
    {
      status: 500,
      code: 'internal-error',
      title: 'Something went wrong on our side',
      ...(internalDetail ? { detail: internalDetail } : {}),
    },
    instance,
  );
};
