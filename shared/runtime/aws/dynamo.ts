/**
 * DynamoDB for a Lambda's platform: one client per container. Imported statically: every function
 * that uses a table needs it at init (a token cache hit is one read).
 */
import { dynamoClients } from '../../storage/dynamo-client';
import type { DynamoClients, Platform } from '../platform';

let clients: DynamoClients | undefined;

export const awsDynamo: Pick<Platform, 'dynamo'> = {
  dynamo: async () => {
    clients ??= dynamoClients();
    return clients;
  },
};
