/**
 * `GET /v1/health`: liveness, answered without calling any dependency or revealing configuration.
 * `?deep=1` is readiness: which secrets are set (never their values), 503 until all are.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { InvalidInput } from '../../shared/errors';
import type { Readiness } from '../../shared/health/readiness';
import { json } from '../../shared/http/problem';
import { lazyHttpFunction } from '../../shared/runtime/handler-runtime';

export interface HealthDeps {
  readiness: () => Promise<Readiness>;
  /** A logger, or a loader called on the first refusal, failure or deep check (liveness never logs). */
  logger: Logger | (() => Promise<Logger>);
}

type HealthEvent = Pick<APIGatewayProxyEventV2, 'queryStringParameters'> & {
  requestContext?: { requestId?: string };
};

const DEEP: Record<string, boolean> = { '1': true, true: true, '0': false, false: false };

export const createHandler = (deps: HealthDeps) => {
  const { logger } = deps;
  const loadLogger = typeof logger === 'function' ? logger : async () => logger;
  return lazyHttpFunction(
    loadLogger,
    async (event: HealthEvent, log) => {
      const param = event.queryStringParameters?.deep;
      const deep = param === undefined ? false : DEEP[param];
      if (deep === undefined)
        throw new InvalidInput([{ field: 'deep', message: 'must be 1, true, 0 or false' }]);
      if (!deep) return json(200, { status: 'ok' });
      await log(); // the readiness check logs with this invocation's context
      const readiness = await deps.readiness();
      return json(readiness.status === 'ok' ? 200 : 503, readiness, { 'cache-control': 'no-store' });
    },
    { errors: { what: 'health check' } },
  );
};
