/**
 * Wiring for the health function. Liveness needs nothing: the logger is loaded on the first refusal,
 * failure or deep check, the Secrets Manager client and the webhook secret's parser (zod) on the first
 * deep check, and the settings are read without zod.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { ENV, Env } from '../config/env';
import { type SecretSource, systemClock } from '../ports';
import { type Readiness, readinessCheck } from './readiness';

export const HEALTH_SERVICE = 'health';

const SETTINGS = ['MESIBO_APP_TOKEN_SECRET_ID', 'WEBHOOK_SECRET_ID'] as const satisfies readonly (
  | typeof ENV.MESIBO_APP_TOKEN_SECRET_ID
  | typeof ENV.WEBHOOK_SECRET_ID
)[];

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

/** Both secret ids, or one error naming every missing variable (as the other functions' parsers do). */
export const healthConfigFromEnv = (env: Env): Record<(typeof SETTINGS)[number], string> => {
  const missing = SETTINGS.filter((name) => !env[name]?.trim());
  if (missing.length > 0) {
    throw new Error(
      `invalid ${HEALTH_SERVICE} configuration: ${missing.map((n) => `${n} is required`).join('; ')}`,
    );
  }
  return {
    MESIBO_APP_TOKEN_SECRET_ID: env.MESIBO_APP_TOKEN_SECRET_ID!.trim(),
    WEBHOOK_SECRET_ID: env.WEBHOOK_SECRET_ID!.trim(),
  };
};

export const healthDepsFromEnv = (env: Env = process.env) => {
  const config = healthConfigFromEnv(env);
  let logger: Promise<Logger> | undefined;
  const loadLogger = () => {
    logger ??= import('../observability/logger').then(({ createLogger }) => createLogger(HEALTH_SERVICE));
    return logger;
  };
  let check: (() => Promise<Readiness>) | undefined;
  return {
    logger: loadLogger,
    readiness: async (): Promise<Readiness> => {
      const log = await loadLogger();
      // One check per container, so concurrent deep checks share one evaluation and its cache.
      check ??= readinessCheck({
        appToken: lazySecret(config.MESIBO_APP_TOKEN_SECRET_ID),
        webhook: lazySecret(config.WEBHOOK_SECRET_ID),
        clock: systemClock,
        logger: log,
      });
      return check();
    },
  };
};
