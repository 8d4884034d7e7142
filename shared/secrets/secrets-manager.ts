/**
 * A SecretSource backed by Secrets Manager through Powertools Parameters: one fetch per `maxAgeSeconds`
 * per container (concurrent reads shared), `forceRefresh` to pick up a rotation at once. The value is
 * returned, never logged.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { traceClient } from '../observability/tracing';
import type { SecretSource } from '../ports';
import { coalescedSecret } from './coalesce';

export const DEFAULT_SECRET_MAX_AGE_SECONDS = 300;

let sharedProvider: Promise<SecretsProvider> | undefined;

/**
 * One provider (and SDK client, traced when tracing is on) per container; created on first use so
 * cache-hit paths never load it.
 */
const defaultProvider = (): Promise<SecretsProvider> => {
  sharedProvider ??= traceClient(new SecretsManagerClient({})).then(
    (awsSdkV3Client) => new SecretsProvider({ awsSdkV3Client }),
  );
  return sharedProvider;
};

export const secretsManagerSource = (
  secretId: string,
  options: { maxAgeSeconds?: number; provider?: SecretsProvider } = {},
): SecretSource => {
  const maxAge = options.maxAgeSeconds ?? DEFAULT_SECRET_MAX_AGE_SECONDS;
  return coalescedSecret(async ({ forceRefresh } = {}) => {
    const provider = options.provider ?? (await defaultProvider());
    const value = await provider.get(secretId, { maxAge, forceFetch: forceRefresh === true });
    if (typeof value !== 'string' || value === '') {
      // Names the secret, never its content.
      throw new Error(
        `secret ${secretId} has no string value; set it with aws secretsmanager put-secret-value`,
      );
    }
    return value;
  });
};
