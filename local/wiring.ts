/**
 * Builds every function of the catalogue in-process with local adapters behind the same ports the
 * AWS adapters implement: the DynamoDB SDK client pointed at dynalite, the mesibo client pointed at
 * the emulator (or the real mesibo), secrets from the state directory, local queues and scheduler.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { handler as health } from '../functions/health/handler';
import type { MesiboClient } from '../shared/mesibo';
import type { Clock, SecretSource } from '../shared/ports';
import type { TableNames } from './dynamo';
import { asInvoker, type LambdaRuntime } from './lambda/runtime';
import type { LocalQueue } from './queue/local-queue';
import type { LocalOneTimeScheduler } from './scheduler/one-time';

export interface WiringContext {
  region: string;
  accountId: string;
  tables: TableNames;
  dynamo: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  mesibo: MesiboClient;
  /** The mesibo app token, as Secrets Manager would hand it out. */
  appToken: SecretSource;
  /** SecretString JSON `{"current": "...", "previous": "..."}`. */
  webhookSecret: SecretSource;
  queues: { groupSyncQueue: LocalQueue; fanoutQueue: LocalQueue };
  oneTimeScheduler: LocalOneTimeScheduler;
  jwt: { addressClaim: string };
  clock: Clock;
}

export const wireFunctions = (runtime: LambdaRuntime, _ctx: WiringContext): void => {
  runtime.register('health', asInvoker(health));
};
