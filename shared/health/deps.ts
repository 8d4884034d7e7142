/**
 * Wiring for the health function. Liveness needs nothing; the Secrets Manager client (and its module)
 * is loaded on the first deep check only.
 */
import * as z from 'zod';
import { ENV, type Env, parseEnv, requiredVar } from '../config/env';
import { createLogger } from '../observability/logger';
import { type SecretSource, systemClock } from '../ports';
import { readinessCheck } from './readiness';

export const HEALTH_SERVICE = 'health';

const HealthSchema = z.object({
  [ENV.MESIBO_APP_TOKEN_SECRET_ID]: requiredVar(),
  [ENV.WEBHOOK_SECRET_ID]: requiredVar(),
});

/** Readiness reads with `forceRefresh`, once per window, so the provider's cache never serves it. */
const lazySecret = (secretId: string): SecretSource => {
  let source: SecretSource | undefined;
  return async (options) => {
    if (!source) {
      const { secretsManagerSource } = await import('../secrets/secrets-manager');
      source = secretsManagerSource(secretId);
    }
    return source(options);
  };
};

export const healthConfigFromEnv = (env: Env) => parseEnv(HealthSchema, env, HEALTH_SERVICE);

export const healthDepsFromEnv = (env: Env = process.env) => {
  const config = healthConfigFromEnv(env);
  const logger = createLogger(HEALTH_SERVICE);
  return {
    logger,
    readiness: readinessCheck({
      appToken: lazySecret(config.MESIBO_APP_TOKEN_SECRET_ID),
      webhook: lazySecret(config.WEBHOOK_SECRET_ID),
      clock: systemClock,
      logger,
    }),
  };
};
