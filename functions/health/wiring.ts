/** health, wired once for Lambda, the local stack and the tests: liveness loads nothing. */
import { buildHealthDeps, healthConfigFromEnv } from '../../shared/health/deps';
import type { FunctionWiring } from '../../shared/runtime/platform';
import { createHandler } from './handler';

export const wire: FunctionWiring<ReturnType<typeof createHandler>, 'secret'> = async (env, platform) =>
  createHandler(buildHealthDeps(healthConfigFromEnv(env), platform));
