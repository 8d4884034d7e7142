/**
 * Wiring for the issue-user-token function. `tokenDepsFromEnv` builds the AWS adapters; the local stack
 * and the tests call `buildTokenDeps` with their own DynamoDB client, mesibo client and clock (a client
 * built without `onCall` emits no mesibo metrics).
 *
 * Only the DynamoDB client is built up front: a cache hit needs nothing else. The mesibo client and the
 * Secrets Manager client (and their modules) are loaded on the first cache miss.
 */

import { randomUUID } from 'node:crypto';
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mesiboOptionsFromEnv } from '../mesibo/env';
import type { MesiboClient } from '../mesibo/types';
import { createLogger } from '../observability/logger';
import { mesiboLoggerFrom } from '../observability/mesibo-logger';
import { functionMetrics, mesiboCallMetrics } from '../observability/mesibo-metrics';
import { type Clock, systemClock } from '../ports';
import { dynamoClients } from '../storage/dynamo-client';
import { type TokenConfig, tokenConfigFromEnv } from './config';
import { dynamoTokenStore } from './dynamo-token-store';
import { createTokenService, type TokenService } from './issue-token';
import { powertoolsTokenMetrics, type TokenMetrics } from './metrics';

export const SERVICE_NAME = 'issue-user-token';

export interface TokenDeps {
  config: TokenConfig;
  service: TokenService;
  logger: Logger;
  metrics: TokenMetrics;
}

export interface BuildTokenDepsInput {
  config: TokenConfig;
  doc: DynamoDBDocumentClient;
  /** A client, or a factory called on the first cache miss (and only once). */
  mesibo: MesiboClient | (() => Promise<MesiboClient>);
  clock?: Clock;
  logger?: Logger;
  metrics?: TokenMetrics;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const once = <T>(make: () => Promise<T>): (() => Promise<T>) => {
  let value: Promise<T> | undefined;
  return () => {
    value ??= make().catch((e: unknown) => {
      value = undefined; // a failed build is retried by the next request
      throw e;
    });
    return value;
  };
};

export const buildTokenDeps = (input: BuildTokenDepsInput): TokenDeps => {
  const logger = input.logger ?? createLogger(SERVICE_NAME);
  const metrics = input.metrics ?? powertoolsTokenMetrics();
  const { mesibo } = input;
  const service = createTokenService(
    {
      store: dynamoTokenStore(input.doc, input.config.usersTable),
      mesibo: typeof mesibo === 'function' ? once(mesibo) : async () => mesibo,
      clock: input.clock ?? systemClock,
      sleep: input.sleep ?? sleepFor,
      random: input.random ?? Math.random,
      newId: randomUUID,
      metrics,
      logger,
    },
    {
      refreshWindow: input.config.refreshWindow,
      leaseMs: input.config.leaseMs,
      appids: input.config.appids,
    },
  );
  return { config: input.config, service, logger, metrics };
};

/** Reads and checks every setting now (cold start); clients that only a cache miss needs come later. */
export const tokenDepsFromEnv = (env: Record<string, string | undefined> = process.env): TokenDeps => {
  const config = tokenConfigFromEnv(env);
  const endpoint = mesiboOptionsFromEnv(env);
  const logger = createLogger(SERVICE_NAME);
  // One Metrics for the token counters and the mesibo client's observer: both flushed by the handler.
  const metrics = functionMetrics(SERVICE_NAME, env);
  const { doc } = dynamoClients();
  const mesibo = async (): Promise<MesiboClient> => {
    const [{ createMesiboClient }, { secretsManagerSource }, { appTokenSource }] = await Promise.all([
      import('../mesibo/index'),
      import('../secrets/secrets-manager'),
      import('../secrets/app-token'),
    ]);
    const appToken = appTokenSource(
      secretsManagerSource(config.appTokenSecretId, { maxAgeSeconds: config.appTokenMaxAgeSeconds }),
      { secretId: config.appTokenSecretId, logger },
    );
    return createMesiboClient({
      ...endpoint,
      appToken,
      logger: mesiboLoggerFrom(logger),
      onCall: mesiboCallMetrics(metrics),
    });
  };
  return buildTokenDeps({ config, doc, mesibo, logger, metrics: powertoolsTokenMetrics(metrics) });
};
