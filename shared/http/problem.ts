/**
 * RFC 9457 problem details. Every error response of the product is built here, so each has a stable
 * `type`/`code`, a human `detail`, the field at fault when there is one, and never a stack or secret.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import type { FieldError } from '../errors';
import { toProblem } from './problems';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_BASE = 'https://mesibo-serverless.dev/problems/';

export interface ProblemInit {
  status: number;
  /** Stable machine-readable code, e.g. `invalid-request`, `mesibo-unavailable`. */
  code: string;
  title: string;
  detail?: string;
  errors?: FieldError[];
  /** Extra members (e.g. `mesiboError`), already safe to show. */
  extensions?: Record<string, unknown>;
  headers?: Record<string, string>;
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

type ProblemLog = Pick<Logger, 'info' | 'error'>;

export interface ErrorResponseOptions {
  /** Names the request in the log line, e.g. `webhook` gives "webhook refused" / "webhook failed". */
  what: string;
  instance?: string;
  /** Replaces the generic detail of the 500, e.g. to say whether a retry is safe. */
  internalDetail?: string;
}

/**
 * A thrown error as a response: a known failure answers as the table in problems.ts says (an unset app
 * token was already logged where it was read); anything else is logged in full and answered with a
 * bare 500, so no stack, upstream body or secret leaks out.
 */
export const errorResponse = (
  thrown: unknown,
  log: ProblemLog,
  { what, instance, internalDetail }: ErrorResponseOptions,
): APIGatewayProxyResultV2 => {
  const known = toProblem(thrown);
  if (known) {
    log.info(`${what} refused`, { status: known.status, code: known.code });
    return problem(known, instance);
  }
  log.error(`${what} failed`, { error: thrown instanceof Error ? thrown : String(thrown) });
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
