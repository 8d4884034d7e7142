/**
 * `GET /v1/health`: liveness, answered without calling any dependency or revealing configuration.
 * `?deep=1` is readiness: which secrets are set (never their values), 503 until all are.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import type { Readiness } from '../../shared/health/readiness';
import { errorResponse, invalidRequest, json } from '../../shared/http/problem';

type ProblemLog = Parameters<typeof errorResponse>[1];

export interface HealthDeps {
  readiness: () => Promise<Readiness>;
  /** A logger, or a loader called on the first refusal or failure (liveness never logs). */
  logger: ProblemLog | (() => Promise<ProblemLog>);
}

const DEEP: Record<string, boolean> = { '1': true, true: true, '0': false, false: false };

export const createHandler =
  (deps: HealthDeps) =>
  async (event: Pick<APIGatewayProxyEventV2, 'queryStringParameters'>): Promise<APIGatewayProxyResultV2> => {
    try {
      const param = event.queryStringParameters?.deep;
      const deep = param === undefined ? false : DEEP[param];
      if (deep === undefined)
        throw invalidRequest([{ field: 'deep', message: 'must be 1, true, 0 or false' }]);
      if (!deep) return json(200, { status: 'ok' });
      const readiness = await deps.readiness();
      return json(readiness.status === 'ok' ? 200 : 503, readiness, { 'cache-control': 'no-store' });
    } catch (e) {
      const logger = typeof deps.logger === 'function' ? await deps.logger() : deps.logger;
      return errorResponse(e, logger, { what: 'health check' });
    }
  };
