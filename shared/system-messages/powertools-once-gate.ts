/**
 * OnceGate over Powertools idempotency (DynamoDB persistence, its default table layout). Each scope
 * has its own persistence layer, because Powertools keeps the key prefix on the layer instance.
 */
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { OnceConflictError, type OnceGate, OnceInProgressError } from './ports';

interface GateInput {
  key: string;
  payload: object;
}

export interface PowertoolsOnceGate extends OnceGate {
  /** Lets an interrupted run be taken over once the invocation that started it has timed out. */
  registerInvocation(context: Context): void;
}

export const powertoolsOnceGate = (options: {
  client: DynamoDBClient;
  tableName: string;
  /** How long a key is remembered. */
  retentionSeconds: number;
}): PowertoolsOnceGate => {
  const configs: IdempotencyConfig[] = [];
  let invocation: Context | undefined;
  const scopes = new Map<string, (input: GateInput, run: () => Promise<object>) => Promise<object>>();

  const gateFor = (scope: string) => {
    let gate = scopes.get(scope);
    if (!gate) {
      const config = new IdempotencyConfig({
        eventKeyJmesPath: 'key',
        payloadValidationJmesPath: 'payload',
        throwOnNoIdempotencyKey: true,
        expiresAfterSeconds: options.retentionSeconds,
      });
      configs.push(config);
      if (invocation) config.registerLambdaContext(invocation);
      gate = makeIdempotent((_input: GateInput, run: () => Promise<object>) => run(), {
        persistenceStore: new DynamoDBPersistenceLayer({
          tableName: options.tableName,
          awsSdkV3Client: options.client,
        }),
        config,
        keyPrefix: scope,
      });
      scopes.set(scope, gate);
    }
    return gate;
  };

  return {
    registerInvocation(context) {
      invocation = context;
      for (const config of configs) config.registerLambdaContext(context);
    },
    async once<T extends object>(scope: string, key: string, payload: object, run: () => Promise<T>) {
      try {
        return (await gateFor(scope)({ key, payload }, run)) as T;
      } catch (e) {
        if (e instanceof IdempotencyValidationError) {
          throw new OnceConflictError(`${key} was already used with a different payload`);
        }
        if (e instanceof IdempotencyAlreadyInProgressError) {
          throw new OnceInProgressError(`${key} is being processed`);
        }
        throw e;
      }
    },
  };
};
