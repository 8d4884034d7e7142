/**
 * The issue-user-token function's dependencies from ready adapters: its wiring
 * (functions/issue-user-token/wiring.ts) passes the platform's, the harnesses their own. The mesibo
 * client may be a factory, called on the first cache miss only.
 */

import { randomUUID } from 'node:crypto';
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MesiboClient } from '../mesibo/types';
import { createLogger } from '../observability/logger';
import { type Clock, systemClock } from '../ports';
import type { TokenConfig } from './config';
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
