/**
 * The one way this project builds DynamoDB clients, so every function, the local stack and the tests
 * marshal items alike: optional attributes left `undefined` are dropped rather than refused.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** A document client over `client` (e.g. one with test middleware on it). */
export const documentClientFor = (client: DynamoDBClient): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

/** A low-level client from `config` (the Lambda environment when empty) and its document client. */
export const dynamoClients = (
  config: DynamoDBClientConfig = {},
): { client: DynamoDBClient; doc: DynamoDBDocumentClient } => {
  const client = new DynamoDBClient(config);
  return { client, doc: documentClientFor(client) };
};
