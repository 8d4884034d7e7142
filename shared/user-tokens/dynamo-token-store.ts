/**
 * The user token cache in the users table: one item per (address, appid) holding the last token
 * issued and, while a request is calling mesibo for it, that request's lease. Keeping the lease on the
 * token item makes a miss three round trips (read, take the lease, store the token and drop the lease
 * in one put) and lets the requests that wait poll a single item. Every write that can race is
 * conditional, so a late writer never replaces newer data.
 *
 *   pk = <address>   sk = appid#<appid>   uid, token, appid, issuedAt, expiresAt?, expiryMinutes, name?, ttl?
 *                                         leaseOwner?, leaseExpiresAt?, leaseFailure?   (while renewing)
 *                    sk = appid#<appid>   revokedAt, ttl, lease…?   (tombstone left by a revocation)
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { isConditionFailure } from '../storage/condition-failure';
import * as z from '../zod';
import type { CacheEntry, TokenStore } from './ports';

const tokenSk = (appid: string) => `appid#${appid}`;
const TOKEN_SK_PREFIX = 'appid#';
/** Tombstones must outlive any token request that was in flight when the revocation happened. */
const TOMBSTONE_TTL_SECONDS = 3600;
/** An item that only ever held a lease (its holder died) is tidied away an hour after the lease. */
const LEASE_TTL_SECONDS = 3600;

const epochSeconds = (ms: number) => Math.ceil(ms / 1000);

const TokenFields = z.object({
  pk: z.string(),
  appid: z.string(),
  uid: z.number(),
  token: z.string().check(z.minLength(1)),
  issuedAt: z.number(),
  expiresAt: z.optional(z.number()),
  expiryMinutes: z.number(),
  name: z.optional(z.string()),
});

const LeaseFields = z.object({
  leaseOwner: z.string(),
  leaseExpiresAt: z.number(),
  leaseFailure: z.optional(z.object({ kind: z.enum(['unavailable', 'rejected']), mesiboError: z.string() })),
});

/** Absent, a tombstone, or an item this code did not write: all mean "no usable token cached". */
const entryFromItem = (item: Record<string, unknown> | undefined): CacheEntry => {
  const entry: CacheEntry = {};
  const token = TokenFields.safeParse(item);
  if (token.success && item?.revokedAt === undefined) {
    const { pk, expiresAt, name, ...rest } = token.data;
    entry.record = {
      ...rest,
      address: pk,
      expiresAt: expiresAt ?? null,
      ...(name === undefined ? {} : { name }),
    };
  }
  const lease = LeaseFields.safeParse(item);
  if (lease.success) {
    const { leaseOwner, leaseExpiresAt, leaseFailure } = lease.data;
    entry.lease = {
      owner: leaseOwner,
      expiresAt: leaseExpiresAt,
      ...(leaseFailure === undefined ? {} : { failure: leaseFailure }),
    };
  }
  return entry;
};

/** Runs a conditional write; a failed condition is an expected answer, not an error. */
const conditional = async (write: () => Promise<unknown>): Promise<boolean> => {
  try {
    await write();
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
};

export const dynamoTokenStore = (doc: DynamoDBDocumentClient, tableName: string): TokenStore => {
  const cachedSks = async (address: string): Promise<string[]> => {
    const sks: string[] = [];
    const pages = paginateQuery(
      { client: doc },
      {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': address, ':prefix': TOKEN_SK_PREFIX },
        ProjectionExpression: 'sk',
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) if (typeof item.sk === 'string') sks.push(item.sk);
    }
    return sks;
  };

  return {
    async get(address, appid, options = {}) {
      const { Item } = await doc.send(
        new GetCommand({
          TableName: tableName,
          Key: { pk: address, sk: tokenSk(appid) },
          ConsistentRead: options.consistent === true,
        }),
      );
      return entryFromItem(Item);
    },

    async tryAcquireLease(address, appid, lease, { now, seenIssuedAt }) {
      try {
        await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: address, sk: tokenSk(appid) },
            UpdateExpression:
              'SET leaseOwner = :owner, leaseExpiresAt = :expiresAt, #ttl = if_not_exists(#ttl, :ttl) REMOVE leaseFailure',
            // A failed lease only informs the requests that waited on it; a newcomer may try again at once.
            ConditionExpression: `(attribute_not_exists(leaseOwner) OR leaseExpiresAt <= :now OR attribute_exists(leaseFailure)) AND ${
              seenIssuedAt === undefined ? 'attribute_not_exists(issuedAt)' : 'issuedAt = :seen'
            }`,
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: {
              ':owner': lease.owner,
              ':expiresAt': lease.expiresAt,
              ':ttl': epochSeconds(lease.expiresAt) + LEASE_TTL_SECONDS,
              ':now': now,
              ...(seenIssuedAt === undefined ? {} : { ':seen': seenIssuedAt }),
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { acquired: true };
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
        // The item comes back in its wire form (the document client does not convert exceptions).
        const item = e.Item;
        return item === undefined
          ? { acquired: false }
          : { acquired: false, entry: entryFromItem(unmarshall(item)) };
      }
    },

    storeIssued(record, { owner, startedAt }) {
      const { address, expiresAt, ...rest } = record;
      return conditional(() =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              pk: address,
              sk: tokenSk(record.appid),
              ...rest,
              ...(expiresAt === null ? {} : { expiresAt, ttl: epochSeconds(expiresAt) }),
            },
            ConditionExpression:
              'leaseOwner = :owner AND (attribute_not_exists(revokedAt) OR revokedAt < :startedAt)',
            ExpressionAttributeValues: { ':owner': owner, ':startedAt': startedAt },
          }),
        ),
      );
    },

    async releaseLease(address, appid, owner) {
      await conditional(() =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: address, sk: tokenSk(appid) },
            UpdateExpression: 'REMOVE leaseOwner, leaseExpiresAt, leaseFailure',
            ConditionExpression: 'leaseOwner = :owner',
            ExpressionAttributeValues: { ':owner': owner },
          }),
        ),
      );
    },

    async failLease(address, appid, owner, failure, until) {
      await conditional(() =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: address, sk: tokenSk(appid) },
            UpdateExpression: 'SET leaseFailure = :failure, leaseExpiresAt = :until',
            ConditionExpression: 'leaseOwner = :owner',
            ExpressionAttributeValues: { ':owner': owner, ':failure': failure, ':until': until },
          }),
        ),
      );
    },

    async revoke(address, appids, at) {
      const sks = new Set([...appids.map(tokenSk), ...(await cachedSks(address))]);
      await Promise.all(
        [...sks].map((sk) =>
          doc.send(
            new PutCommand({
              TableName: tableName,
              Item: { pk: address, sk, revokedAt: at, ttl: epochSeconds(at) + TOMBSTONE_TTL_SECONDS },
            }),
          ),
        ),
      );
    },
  };
};
