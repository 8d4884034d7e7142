/**
 * DynamoDB for the local stack and the tests: dynalite on loopback (in memory, or on disk with a
 * directory), reached through the real AWS SDK, with the product's tables created from the shared specs.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  type DynamoDBClient,
  type KeySchemaElement,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { dynamoClients } from '../shared/storage/dynamo-client';
import { type TableSpec, tableSpecs } from '../shared/storage/tables';

export type TableNames = Record<TableSpec['id'], string>;

export const LOCAL_AWS = {
  region: 'us-east-1',
  // Static dummy credentials so the SDK never probes instance metadata.
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  close(): Promise<void>;
}

/** SDK clients for a local DynamoDB endpoint, with the local stack's dummy credentials. */
export const localDynamoClients = (endpoint: string) => dynamoClients({ endpoint, ...LOCAL_AWS });

export const startDynalite = async (
  options: { port?: number; host?: string; path?: string } = {},
): Promise<LocalDynamo> => {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: options.path });
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const { client, doc } = localDynamoClients(endpoint);
  return {
    endpoint,
    client,
    doc,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

/** Creates every product table (on-demand billing); tables that already exist are left alone. */
export const createTables = async (client: DynamoDBClient, names: TableNames): Promise<void> => {
  for (const spec of tableSpecs) {
    const keySchema: KeySchemaElement[] = [{ AttributeName: spec.partitionKey, KeyType: 'HASH' }];
    if (spec.sortKey) keySchema.push({ AttributeName: spec.sortKey, KeyType: 'RANGE' });
    try {
      await client.send(
        new CreateTableCommand({
          TableName: names[spec.id],
          KeySchema: keySchema,
          AttributeDefinitions: keySchema.map((k) => ({
            AttributeName: k.AttributeName!,
            AttributeType: 'S',
          })),
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    } catch (e) {
      if (!(e instanceof ResourceInUseException)) throw e;
    }
  }
};

/** Table names with a unique suffix, so parallel tests never share state. */
export const uniqueTableNames = (suffix = Math.random().toString(36).slice(2, 8)): TableNames => ({
  usersTable: `users-${suffix}`,
  groupsTable: `groups-${suffix}`,
  idempotencyTable: `idempotency-${suffix}`,
});
