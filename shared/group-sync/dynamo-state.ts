/**
 * GroupStateStore on the groups table (pk/sk, TTL `ttl`):
 *   group#<key> / meta              gid, name, versions, member count, creation claim, unconfirmed edit
 *                                   intents (attributes `intent#<id>`), tombstone
 *   group#<key> / member#<address>  perm, v (version of its last change), gone (a removed member's
 *                                   tombstone, with ttl); one item per member: a delta reads only its own
 *   delivery#<id> / delivery        status of one webhook delivery, expires after the retention
 * Reads are strongly consistent: a retry must see what the previous attempt wrote.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../ports';
import { isConditionFailure } from '../storage/condition-failure';
import * as z from '../zod';
import type { GroupVersions, MemberRecord, MemberRecords } from './ordering';
import type { DeliveryRecord, EditIntent, GroupMeta, GroupStateStore } from './ports';
import { GROUP_EVENT_TYPES } from './schema';

export const META = 'meta';
const MEMBER_PREFIX = 'member#';
const INTENT_PREFIX = 'intent#';
const DELIVERY = 'delivery';
const BATCH_WRITE_MAX = 25;
const BATCH_GET_MAX = 100;
const BATCH_ATTEMPTS = 8;
/** Batch requests of one call in flight at once. */
const BATCHES_IN_FLIGHT = 8;

export const groupPk = (key: string) => `group#${key}`;
const deliveryPk = (id: string) => `delivery#${id}`;

const VERSION_ATTRIBUTES = {
  upsert: 'upsertVersion',
  delete: 'deleteVersion',
  create: 'createVersion',
  name: 'nameVersion',
} as const satisfies Record<keyof GroupVersions, string>;

const MetaItem = z.object({
  key: z.string(),
  gid: z.optional(z.number()),
  name: z.optional(z.string()),
  upsertVersion: z.optional(z.number()),
  deleteVersion: z.optional(z.number()),
  createVersion: z.optional(z.number()),
  nameVersion: z.optional(z.number()),
  memberCount: z.optional(z.number()),
  lastDeliveryId: z.optional(z.string()),
  creating: z.optional(z.object({ attemptId: z.string(), until: z.number() })),
  deleting: z.optional(z.boolean()),
  deleted: z.optional(z.boolean()),
});

const IntentItem = z.object({
  id: z.string(),
  gid: z.number(),
  kind: z.enum(['add', 'remove']),
  mask: z.number(),
  addresses: z.array(z.string()),
  version: z.number(),
  removal: z.enum(['tombstone', 'drop']),
  countDelta: z.number(),
});

const MemberItem = z.object({
  sk: z.string(),
  perm: z.number(),
  v: z.number(),
  gone: z.optional(z.boolean()),
});

const DeliveryItem = z.object({
  id: z.string(),
  status: z.enum(['queued', 'applied', 'stale', 'rejected']),
  key: z.string(),
  type: z.enum(GROUP_EVENT_TYPES),
  version: z.number(),
  receivedAt: z.number(),
  detail: z.optional(z.string()),
});

const toMeta = (item: Record<string, unknown>): GroupMeta => {
  const m = MetaItem.parse(item);
  const versions: GroupVersions = {};
  for (const [field, attribute] of Object.entries(VERSION_ATTRIBUTES)) {
    const value = m[attribute];
    if (value !== undefined) versions[field as keyof GroupVersions] = value;
  }
  const intents = Object.entries(item)
    .filter(([name]) => name.startsWith(INTENT_PREFIX))
    .map(([, value]) => IntentItem.parse(value) as EditIntent);
  return {
    key: m.key,
    ...(m.gid === undefined ? {} : { gid: m.gid }),
    ...(m.name === undefined ? {} : { name: m.name }),
    versions,
    memberCount: m.memberCount ?? 0,
    ...(m.lastDeliveryId === undefined ? {} : { lastDeliveryId: m.lastDeliveryId }),
    ...(m.creating ? { creating: m.creating } : {}),
    ...(m.deleting ? { deleting: true } : {}),
    ...(m.deleted ? { deleted: true } : {}),
    intents,
  };
};

const toRecord = (item: z.infer<typeof MemberItem>): MemberRecord => ({
  mask: item.perm,
  version: item.v,
  present: item.gone !== true,
});

/** Runs `task` on every part, a bounded number at once. */
const inParts = async <T>(items: readonly T[], size: number, task: (part: T[]) => Promise<void>) => {
  const parts: T[][] = [];
  for (let i = 0; i < items.length; i += size) parts.push(items.slice(i, i + size));
  let next = 0;
  const lane = async () => {
    while (next < parts.length) await task(parts[next++] as T[]);
  };
  await Promise.all(Array.from({ length: Math.min(BATCHES_IN_FLIGHT, parts.length) }, lane));
};

/** Backs off before the n-th resend of unprocessed batch items (throttling). */
const backoff = (attempt: number) => sleepFor(Math.random() * Math.min(1000, 25 * 2 ** attempt));

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
  const memberKey = (key: string, address: string) => ({
    pk: groupPk(key),
    sk: `${MEMBER_PREFIX}${address}`,
  });

  type WriteRequest =
    | { PutRequest: { Item: Record<string, unknown> } }
    | { DeleteRequest: { Key: Record<string, string> } };

  /** BatchWrite with bounded, backed-off resends of unprocessed items. */
  const batchWrite = (requests: WriteRequest[]): Promise<void> =>
    inParts(requests, BATCH_WRITE_MAX, async (part) => {
      let pending = part;
      for (let attempt = 1; pending.length; attempt++) {
        if (attempt > BATCH_ATTEMPTS) {
          throw new Error(
            `DynamoDB left ${pending.length} write(s) unprocessed after ${BATCH_ATTEMPTS} attempts`,
          );
        }
        if (attempt > 1) await backoff(attempt);
        const out = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
        pending = (out.UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
      }
    });

  const update = async (input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>) => {
    try {
      await doc.send(new UpdateCommand({ TableName: tableName, ...input }));
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  };

  const queryMembers = async (key: string): Promise<Record<string, unknown>[]> => {
    const items: Record<string, unknown>[] = [];
    const pages = paginateQuery(
      { client: doc },
      {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :m)',
        ExpressionAttributeValues: { ':pk': groupPk(key), ':m': MEMBER_PREFIX },
        ProjectionExpression: 'sk, perm, v, gone',
        ConsistentRead: true,
      },
    );
    for await (const page of pages) items.push(...(page.Items ?? []));
    return items;
  };

  const addRecords = (records: MemberRecords, items: Record<string, unknown>[]) => {
    for (const raw of items) {
      const item = MemberItem.parse(raw);
      records.set(item.sk.slice(MEMBER_PREFIX.length), toRecord(item));
    }
  };

  /** The versions as SET clauses, for finishEvent and dropGroup. */
  const versionSets = (versions: GroupVersions) => {
    const sets: string[] = [];
    const values: Record<string, number> = {};
    for (const [field, attribute] of Object.entries(VERSION_ATTRIBUTES)) {
      const value = versions[field as keyof GroupVersions];
      if (value === undefined) continue;
      sets.push(`${attribute} = :${attribute}`);
      values[`:${attribute}`] = value;
    }
    return { sets, values };
  };

  return {
    getMeta: async (key) => {
      const out = await doc.send(
        new GetCommand({ TableName: tableName, Key: metaKey(key), ConsistentRead: true }),
      );
      return out.Item ? toMeta(out.Item) : undefined;
    },

    claimCreation: (key, claim, takeOverFrom) =>
      update({
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

    releaseCreation: async (key, attemptId) => {
      await update({
        Key: metaKey(key),
        UpdateExpression: 'REMOVE creating',
        ConditionExpression: 'creating.attemptId = :a',
        ExpressionAttributeValues: { ':a': attemptId },
      });
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
      await update({
        Key: metaKey(key),
        UpdateExpression: 'SET #name = :name',
        ExpressionAttributeNames: { '#name': 'name' },
        ExpressionAttributeValues: { ':name': name },
      });
    },

    markDeleting: async (key) => {
      await update({
        Key: metaKey(key),
        UpdateExpression: 'SET deleting = :t',
        ExpressionAttributeValues: { ':t': true },
      });
    },

    loadMembers: async (key) => {
      const records: MemberRecords = new Map();
      addRecords(records, await queryMembers(key));
      return records;
    },

    getMembers: async (key, addresses) => {
      const records: MemberRecords = new Map();
      await inParts([...new Set(addresses)], BATCH_GET_MAX, async (part) => {
        let keys: Record<string, unknown>[] = part.map((address) => memberKey(key, address));
        for (let attempt = 1; keys.length; attempt++) {
          if (attempt > BATCH_ATTEMPTS) {
            throw new Error(
              `DynamoDB left ${keys.length} read(s) unprocessed after ${BATCH_ATTEMPTS} attempts`,
            );
          }
          if (attempt > 1) await backoff(attempt);
          const out = await doc.send(
            new BatchGetCommand({
              RequestItems: {
                [tableName]: { Keys: keys, ConsistentRead: true, ProjectionExpression: 'sk, perm, v, gone' },
              },
            }),
          );
          addRecords(records, out.Responses?.[tableName] ?? []);
          keys = out.UnprocessedKeys?.[tableName]?.Keys ?? [];
        }
      });
      return records;
    },

    writeMembers: async (key, { puts = [], drops = [] }) => {
      await batchWrite([
        ...puts.map(({ address, record }) => ({
          PutRequest: {
            Item: {
              ...memberKey(key, address),
              perm: record.mask,
              v: record.version,
              // A tombstone only orders late events; it expires with the delivery records.
              ...(record.present ? {} : { gone: true, ttl: expiresAt() }),
            },
          },
        })),
        ...drops.map((address) => ({ DeleteRequest: { Key: memberKey(key, address) } })),
      ]);
    },

    addIntent: async (key, intent) => {
      await update({
        Key: metaKey(key),
        UpdateExpression: 'SET #key = :key, #intent = :intent',
        ExpressionAttributeNames: { '#key': 'key', '#intent': `${INTENT_PREFIX}${intent.id}` },
        ExpressionAttributeValues: { ':key': key, ':intent': intent },
      });
    },

    finishIntent: (key, intent) =>
      update({
        Key: metaKey(key),
        UpdateExpression: 'REMOVE #intent ADD memberCount :n',
        ConditionExpression: 'attribute_exists(#intent)',
        ExpressionAttributeNames: { '#intent': `${INTENT_PREFIX}${intent.id}` },
        ExpressionAttributeValues: { ':n': intent.countDelta },
      }),

    finishEvent: async (key, versions, deliveryId) => {
      const { sets, values } = versionSets(versions);
      await update({
        Key: metaKey(key),
        UpdateExpression: `SET ${['#key = :key', 'lastDeliveryId = :d', ...sets].join(', ')}`,
        ExpressionAttributeNames: { '#key': 'key' },
        ExpressionAttributeValues: { ':key': key, ':d': deliveryId, ...values },
      });
    },

    dropGroup: async (key, versions, deliveryId) => {
      const { sets, values } = versionSets(versions);
      // The tombstone keeps the versions so older events stay stale; it expires with the deliveries.
      await update({
        Key: metaKey(key),
        UpdateExpression: `SET ${['#key = :key', 'lastDeliveryId = :d', 'deleted = :t', '#ttl = :ttl', ...sets].join(', ')} REMOVE gid, #name, creating, deleting, memberCount`,
        ExpressionAttributeNames: { '#key': 'key', '#name': 'name', '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':key': key,
          ':d': deliveryId,
          ':t': true,
          ':ttl': expiresAt(),
          ...values,
        },
      });
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
