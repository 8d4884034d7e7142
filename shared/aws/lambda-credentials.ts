/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (infra/bundling.ts aliases
 * it here). Lambda hands the function role's credentials to the process in its environment, so of
 * the default chain only the environment provider ever answers there; the others (SSO, ini files,
 * web identity, process, instance metadata) and the STS/SSO clients they carry are ~130 KiB that
 * every cold start would parse for nothing. Unbundled code (the local stack, the tests) keeps the
 * SDK's full chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
