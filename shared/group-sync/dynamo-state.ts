/**
 * GroupStateStore on the groups table (pk/sk, TTL `ttl`):
 *   group#<key> / meta              gid, name, appliedVersion, creation claim, tombstone
 *   group#<key> / member#<address>  perm (one item per member: large groups outgrow a 400 KB item)
 *   delivery#<id> / delivery        status of one webhook delivery, expires after the retention
 * Reads are strongly consistent: a retry must see what the previous attempt wrote.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { Clock } from '../ports';
import type { MemberSet } from './members';
import { GROUP_EVENT_TYPES } from './schema';
import type { DeliveryRecord, GroupMeta, GroupStateStore } from './state';

const META = 'meta';
const MEMBER_PREFIX = 'member#';
const DELIVERY = 'delivery';
const BATCH_WRITE_MAX = 25;
const BATCH_WRITE_ATTEMPTS = 8;

export const groupPk = (key: string) => `group#${key}`;
const deliveryPk = (id: string) => `delivery#${id}`;

const MetaItem = z.object({
  key: z.string(),
  gid: z.number().optional(),
  name: z.string().optional(),
  appliedVersion: z.number().optional(),
  appliedDeliveryId: z.string().optional(),
  creating: z.object({ attemptId: z.string(), until: z.number() }).optional(),
  deleting: z.boolean().optional(),
  deleted: z.boolean().optional(),
});

const DeliveryItem = z.object({
  id: z.string(),
  status: z.enum(['queued', 'applied', 'stale', 'rejected']),
  key: z.string(),
  type: z.enum(GROUP_EVENT_TYPES),
  version: z.number(),
  receivedAt: z.number(),
  detail: z.string().optional(),
});

const isConditionFailure = (e: unknown) =>
  e instanceof ConditionalCheckFailedException ||
  (e instanceof Error && e.name === 'ConditionalCheckFailedException');

export interface DynamoGroupStateOptions {
  doc: DynamoDBDocumentClient;
  tableName: string;
  clock: Clock;
  /** How long delivery records and group tombstones are kept. */
  recordTtlSeconds: number;
}

export const dynamoGroupState = ({
  doc,
  tableName,
  clock,
  recordTtlSeconds,
}: DynamoGroupStateOptions): GroupStateStore => {
  const expiresAt = () => Math.floor(clock.now() / 1000) + recordTtlSeconds;
  const metaKey = (key: string) => ({ pk: groupPk(key), sk: META });

  type WriteRequest =
    | { PutRequest: { Item: Record<string, unknown> } }
    | { DeleteRequest: { Key: Record<string, string> } };

  /** BatchWrite with bounded, backed-off resends of unprocessed items (throttling). */
  const batchWrite = async (requests: WriteRequest[]): Promise<void> => {
    const parts: WriteRequest[][] = [];
    for (let i = 0; i < requests.length; i += BATCH_WRITE_MAX)
      parts.push(requests.slice(i, i + BATCH_WRITE_MAX));
    await Promise.all(
      parts.map(async (part) => {
        let pending = part;
        for (let attempt = 1; pending.length; attempt++) {
          if (attempt > BATCH_WRITE_ATTEMPTS) {
            throw new Error(
              `DynamoDB left ${pending.length} write(s) unprocessed after ${BATCH_WRITE_ATTEMPTS} attempts`,
            );
          }
          if (attempt > 1) await sleepFor(Math.random() * Math.min(1000, 25 * 2 ** attempt));
          const out = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
          pending = (out.UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
        }
      }),
    );
  };

  const queryMembers = async (key: string, withPerm: boolean): Promise<{ sk: string; perm?: unknown }[]> => {
    const items: { sk: string; perm?: unknown }[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await doc.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :m)',
          ExpressionAttributeValues: { ':pk': groupPk(key), ':m': MEMBER_PREFIX },
          ProjectionExpression: withPerm ? 'sk, perm' : 'sk',
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) items.push(item as { sk: string; perm?: unknown });
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return items;
  };

  return {
    getMeta: async (key) => {
      const out = await doc.send(
        new GetCommand({ TableName: tableName, Key: metaKey(key), ConsistentRead: true }),
      );
      return out.Item ? (MetaItem.parse(out.Item) as GroupMeta) : undefined;
    },

    claimCreation: async (key, claim, takeOverFrom) => {
      try {
        await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: metaKey(key),
            UpdateExpression: 'SET #key = :key, creating = :claim',
            ConditionExpression:
              takeOverFrom === undefined
                ? 'attribute_not_exists(gid) AND attribute_not_exists(creating)'
                : 'attribute_not_exists(gid) AND creating.attemptId = :prev',
            ExpressionAttributeNames: { '#key': 'key' },
            ExpressionAttributeValues: {
              ':key': key,
              ':claim': claim,
              ...(takeOverFrom === undefined ? {} : { ':prev': takeOverFrom }),
            },
          }),
        );
        return true;
      } catch (e) {
        if (isConditionFailure(e)) return false;
        throw e;
      }
    },

    recordGid: async (key, attemptId, gid, name) => {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: metaKey(key),
          UpdateExpression: `SET gid = :gid${name === undefined ? '' : ', #name = :name'} REMOVE creating, deleted, deleting, #ttl`,
          ConditionExpression: 'creating.attemptId = :a',
          ExpressionAttributeNames: { '#ttl': 'ttl', ...(name === undefined ? {} : { '#name': 'name' }) },
          ExpressionAttributeValues: {
            ':gid': gid,
            ':a': attemptId,
            ...(name === undefined ? {} : { ':name': name }),
          },
        }),
      );
    },

    recordName: async (key, name) => {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: metaKey(key),
          UpdateExpression: 'SET #name = :name',
          ExpressionAttributeNames: { '#name': 'name' },
          ExpressionAttributeValues: { ':name': name },
        }),
      );
    },

    markDeleting: async (key) => {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: metaKey(key),
          UpdateExpression: 'SET deleting = :t',
          ExpressionAttributeValues: { ':t': true },
        }),
      );
    },

    loadMembers: async (key) => {
      const members: MemberSet = new Map();
      for (const item of await queryMembers(key, true)) {
        if (typeof item.perm !== 'number')
          throw new Error(`member item ${item.sk} of group ${key} has no perm`);
        members.set(item.sk.slice(MEMBER_PREFIX.length), item.perm);
      }
      return members;
    },

    recordMembers: async (key, { upserts = [], removes = [] }) => {
      const pk = groupPk(key);
      await batchWrite([
        ...upserts.map(({ address, mask }) => ({
          PutRequest: { Item: { pk, sk: `${MEMBER_PREFIX}${address}`, perm: mask } },
        })),
        ...removes.map((address) => ({ DeleteRequest: { Key: { pk, sk: `${MEMBER_PREFIX}${address}` } } })),
      ]);
    },

    markApplied: async (key, version, deliveryId) => {
      try {
        await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: metaKey(key),
            UpdateExpression: 'SET #key = :key, appliedVersion = :v, appliedDeliveryId = :d',
            ConditionExpression:
              'attribute_not_exists(appliedVersion) OR appliedVersion < :v OR (appliedVersion = :v AND appliedDeliveryId = :d)',
            ExpressionAttributeNames: { '#key': 'key' },
            ExpressionAttributeValues: { ':key': key, ':v': version, ':d': deliveryId },
          }),
        );
        return true;
      } catch (e) {
        if (isConditionFailure(e)) return false;
        throw e;
      }
    },

    dropGroup: async (key, version, deliveryId) => {
      const pk = groupPk(key);
      const members = await queryMembers(key, false);
      await batchWrite(members.map(({ sk }) => ({ DeleteRequest: { Key: { pk, sk } } })));
      // The tombstone (last, replacing the whole meta item) keeps the version so older events stay stale.
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...metaKey(key),
            key,
            appliedVersion: version,
            appliedDeliveryId: deliveryId,
            deleted: true,
            ttl: expiresAt(),
          },
        }),
      );
    },

    getDelivery: async (id) => {
      const out = await doc.send(
        new GetCommand({
          TableName: tableName,
          Key: { pk: deliveryPk(id), sk: DELIVERY },
          ConsistentRead: true,
        }),
      );
      return out.Item ? (DeliveryItem.parse(out.Item) as DeliveryRecord) : undefined;
    },

    createDelivery: async (record) => {
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: deliveryPk(record.id), sk: DELIVERY, ...record, ttl: expiresAt() },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return undefined;
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
        const out = await doc.send(
          new GetCommand({
            TableName: tableName,
            Key: { pk: deliveryPk(record.id), sk: DELIVERY },
            ConsistentRead: true,
          }),
        );
        // Only possible if the record expired between the two calls; the sender's retry will do.
        if (!out.Item) throw new Error(`delivery ${record.id} changed while being recorded; retry`);
        return DeliveryItem.parse(out.Item) as DeliveryRecord;
      }
    },

    setDeliveryStatus: async (record) => {
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: deliveryPk(record.id), sk: DELIVERY, ...record, ttl: expiresAt() },
        }),
      );
    },
  };
};
