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
import * as z from 'zod';
import { isConditionFailure } from '../storage/condition-failure';

export interface TokenRecord {
  address: string;
  appid: string;
  uid: number;
  token: string;
  /** Epoch ms; taken before the mesibo call, so the real expiry is never earlier than `expiresAt`. */
  issuedAt: number;
  /** Epoch ms; null = never expires. */
  expiresAt: number | null;
  /** The lifetime asked of mesibo (0 = never); a request asking for another lifetime is not served from cache. */
  expiryMinutes: number;
  /** Display name sent with the token's useradd, if any. */
  name?: string;
}

/** What the last lease holder learnt from mesibo, shared with the requests that waited for it. */
export type LeaseFailure = { kind: 'unavailable' | 'rejected'; mesiboError: string };

export interface Lease {
  owner: string;
  /** Epoch ms after which anyone may take the lease over. */
  expiresAt: number;
  failure?: LeaseFailure;
}

/** The cache item of one (address, appid): its token (absent, or revoked) and the lease on it. */
export interface CacheEntry {
  record?: TokenRecord;
  lease?: Lease;
}

export type LeaseAttempt =
  | { acquired: true }
  /**
   * Someone holds the lease, or the item changed since it was read. `entry` is the item that refused
   * the write where the store can return it in the same round trip (DynamoDB does; dynalite does not,
   * so the caller reads it instead).
   */
  | { acquired: false; entry?: CacheEntry };

export interface TokenStore {
  get(address: string, appid: string, options?: { consistent?: boolean }): Promise<CacheEntry>;
  /**
   * Takes the lease when nobody holds it, the holder's lease has run out, or the holder failed, and
   * only while the cached token is still the one the caller saw (`seenIssuedAt`, undefined = none):
   * a token stored in between is the caller's answer, not a reason to call mesibo again.
   */
  tryAcquireLease(
    address: string,
    appid: string,
    lease: Omit<Lease, 'failure'>,
    at: { now: number; seenIssuedAt: number | undefined },
  ): Promise<LeaseAttempt>;
  /**
   * Stores a freshly issued token and drops the lease in one write, if `owner` still holds the lease
   * and the user's tokens were not revoked after `startedAt` (when the mesibo call began).
   */
  storeIssued(record: TokenRecord, guard: { owner: string; startedAt: number }): Promise<boolean>;
  /** Gives the lease up (only if still ours), leaving the cached token as it is. */
  releaseLease(address: string, appid: string, owner: string): Promise<void>;
  /** Marks the lease failed until `until`, so the requests waiting on it stop waiting (only if ours). */
  failLease(
    address: string,
    appid: string,
    owner: string,
    failure: LeaseFailure,
    until: number,
  ): Promise<void>;
  /**
   * Replaces the cached tokens of these appids (and any other cached appid), and any lease on them,
   * with tombstones dated `at`: they expire within the hour and keep a token whose mesibo call began
   * before `at` from being cached again.
   */
  revoke(address: string, appids: readonly string[], at: number): Promise<void>;
}

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
  token: z.string().min(1),
  issuedAt: z.number(),
  expiresAt: z.number().optional(),
  expiryMinutes: z.number(),
  name: z.string().optional(),
});

const LeaseFields = z.object({
  leaseOwner: z.string(),
  leaseExpiresAt: z.number(),
  leaseFailure: z.object({ kind: z.enum(['unavailable', 'rejected']), mesiboError: z.string() }).optional(),
});

/** Absent, a tombstone, or an item this code did not write: all mean "no usable token cached". */
export const entryFromItem = (item: Record<string, unknown> | undefined): CacheEntry => {
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
