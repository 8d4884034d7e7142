/**
 * Dependencies of the health function. Liveness needs nothing: the logger is loaded on the first
 * refusal, failure or deep check, the secrets (the Secrets Manager client, the webhook secret's parser)
 * on the first deep check, and the settings are read without zod.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { ENV, Env } from '../config/env';
import type { Platform } from '../runtime/platform';
import { type Readiness, readinessCheck } from './readiness';

export const HEALTH_SERVICE = 'health';

/** What health reads (no zod, so liveness loads none); shared/settings.ts declares them. */
export const HEALTH_SETTINGS = [
  'MESIBO_APP_TOKEN_SECRET_ID',
  'WEBHOOK_SECRET_ID',
] as const satisfies readonly (typeof ENV.MESIBO_APP_TOKEN_SECRET_ID | typeof ENV.WEBHOOK_SECRET_ID)[];

export type HealthConfig = Record<(typeof HEALTH_SETTINGS)[number], string>;

/** Both secret ids, or one error naming every missing variable (as the other functions' parsers do). */
export const healthConfigFromEnv = (env: Env): HealthConfig => {
  const missing = HEALTH_SETTINGS.filter((name) => !env[name]?.trim());
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

/**
 * The health function's dependencies: the logger and the secret sources are loaded on the first deep
 * check (or refusal), never for liveness. Readiness reads with `forceRefresh`, once per window, so the
 * secret cache never answers it.
 */
export const buildHealthDeps = (config: HealthConfig, platform: Pick<Platform, 'secret' | 'clock'>) => {
  let logger: Promise<Logger> | undefined;
  const loadLogger = () => {
    logger ??= import('../observability/logger').then(({ createLogger }) => createLogger(HEALTH_SERVICE));
    return logger;
  };
  let check: Promise<() => Promise<Readiness>> | undefined;
  const loadCheck = async () => {
    const [log, appToken, webhook] = await Promise.all([
      loadLogger(),
      platform.secret(config.MESIBO_APP_TOKEN_SECRET_ID),
      platform.secret(config.WEBHOOK_SECRET_ID),
    ]);
    return readinessCheck({ appToken, webhook, clock: platform.clock, logger: log });
  };
  return {
    logger: loadLogger,
    readiness: async (): Promise<Readiness> => {
      // One check per container, so concurrent deep checks share one evaluation and its cache.
      check ??= loadCheck().catch((e: unknown) => {
        check = undefined;
        throw e;
      });
      return (await check)();
    },
  };
};
