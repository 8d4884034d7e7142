/**
 * DynamoDB for a Lambda's platform: one client per container, traced when tracing is on. Imported
 * statically: every function that uses a table needs it at init (a token cache hit is one read).
 */
import { traceClient } from '../../observability/tracing';
import { dynamoClients } from '../../storage/dynamo-client';
import type { DynamoClients, Platform } from '../platform';

let clients: Promise<DynamoClients> | undefined;

const tracedClients = async (): Promise<DynamoClients> => {
  const built = dynamoClients();
  // The document client shares the low-level client's middleware, so tracing one traces both.
  await traceClient(built.client);
  return built;
};

export const awsDynamo: Pick<Platform, 'dynamo'> = {
  dynamo: () => {
    clients ??= tracedClients();
    return clients;
  },
};
