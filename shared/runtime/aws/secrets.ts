/** Secrets Manager for a Lambda's platform, through Powertools Parameters, loaded on first use. */
import type { Platform } from '../platform';

export const awsSecrets: Pick<Platform, 'secret'> = {
  secret: async (secretId, options) =>
    (await import('../../secrets/secrets-manager')).secretsManagerSource(secretId, options),
};
