/** DynamoDB for a Lambda's platform: one client per container, its module loaded on first use. */
import type { DynamoClients, Platform } from '../platform';
import { once } from './once';

export const awsDynamo: Pick<Platform, 'dynamo'> = {
  dynamo: once(
    async (): Promise<DynamoClients> => (await import('../../storage/dynamo-client')).dynamoClients(),
  ),
};
