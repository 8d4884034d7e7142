/**
 * The user token cache in the users table: one item per (address, appid) holding the last token
 * issued, plus a short-lived lease item per (address, appid) that elects the one request allowed to
 * call mesibo. Every write that can race is conditional, so a late writer never replaces newer data.
 *
 *   pk = <address>   sk = appid#<appid>   uid, token, appid, issuedAt, expiresAt?, expiryMinutes, name?, ttl?
 *                    sk = appid#<appid>   revokedAt, ttl            (tombstone left by a revocation)
 *                    sk = lease#<appid>   owner, expiresAt, failure?, ttl
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';

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

export interface TokenStore {
  get(address: string, appid: string, options?: { consistent?: boolean }): Promise<TokenRecord | undefined>;
  /**
   * Stores a freshly issued token unless a newer one is stored already or the user's tokens were
   * revoked after `startedAt` (when this token's mesibo call began). Returns whether it was stored.
   */
  put(record: TokenRecord, guard: { startedAt: number }): Promise<boolean>;
  /** Takes the lease when nobody holds it, the holder's lease has run out, or the holder failed. */
  tryAcquireLease(
    address: string,
    appid: string,
    lease: Omit<Lease, 'failure'>,
    now: number,
  ): Promise<boolean>;
  getLease(address: string, appid: string): Promise<Lease | undefined>;
  /** Gives the lease up (only if still ours). */
  releaseLease(address: string, appid: string, owner: string): Promise<void>;
  /** Marks the lease failed until `until`, so the requests waiting on it stop waiting (only if ours). */
  failLease(
    address: string,
    appid: string,
    owner: string,
    failure: LeaseFailure,
    until: number,
  ): Promise<void>;
  /** Replaces the cached tokens of these appids (and any other cached appid) with tombstones dated `at`. */
  revoke(address: string, appids: readonly string[], at: number): Promise<void>;
  /**
   * Erases what is cached for the address (tokens and leases), leaving only tombstones dated `at`
   * for these appids and any other cached one: they expire within the hour and keep a token request
   * that was in flight during the deletion from caching its token again.
   */
  erase(address: string, appids: readonly string[], at: number): Promise<void>;
}

const tokenSk = (appid: string) => `appid#${appid}`;
const leaseSk = (appid: string) => `lease#${appid}`;
const TOKEN_SK_PREFIX = 'appid#';
/** Tombstones must outlive any token request that was in flight when the revocation happened. */
const TOMBSTONE_TTL_SECONDS = 3600;
/** Expired leases are harmless (checked by `expiresAt`); TTL only tidies them away. */
const LEASE_TTL_SECONDS = 3600;

const epochSeconds = (ms: number) => Math.ceil(ms / 1000);

const TokenItem = z.object({
  pk: z.string(),
  appid: z.string(),
  uid: z.number(),
  token: z.string().min(1),
  issuedAt: z.number(),
  expiresAt: z.number().optional(),
  expiryMinutes: z.number(),
  name: z.string().optional(),
});

const LeaseItem = z.object({
  owner: z.string(),
  expiresAt: z.number(),
  failure: z.object({ kind: z.enum(['unavailable', 'rejected']), mesiboError: z.string() }).optional(),
});

const isConditionFailure = (e: unknown) =>
  e instanceof ConditionalCheckFailedException ||
  (e as { name?: unknown })?.name === 'ConditionalCheckFailedException';

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
  const keysOf = async (address: string): Promise<string[]> => {
    const sks: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': address },
          ProjectionExpression: 'sk',
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) if (typeof item.sk === 'string') sks.push(item.sk);
      start = page.LastEvaluatedKey;
    } while (start);
    return sks;
  };

  /** Replaces the cached tokens with tombstones dated `at`; with `dropLeases`, deletes the leases too. */
  const tombstone = async (address: string, appids: readonly string[], at: number, dropLeases: boolean) => {
    const sks = await keysOf(address);
    const tokens = new Set([...appids.map(tokenSk), ...sks.filter((sk) => sk.startsWith(TOKEN_SK_PREFIX))]);
    const leases = dropLeases ? sks.filter((sk) => !sk.startsWith(TOKEN_SK_PREFIX)) : [];
    await Promise.all([
      ...[...tokens].map((sk) =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: address, sk, revokedAt: at, ttl: epochSeconds(at) + TOMBSTONE_TTL_SECONDS },
          }),
        ),
      ),
      ...leases.map((sk) => doc.send(new DeleteCommand({ TableName: tableName, Key: { pk: address, sk } }))),
    ]);
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
      // Absent, a tombstone, or an item this code did not write: all mean "nothing usable cached".
      const parsed = TokenItem.safeParse(Item);
      if (!parsed.success) return undefined;
      const { pk, expiresAt, name, ...rest } = parsed.data;
      return { ...rest, address: pk, expiresAt: expiresAt ?? null, ...(name === undefined ? {} : { name }) };
    },

    put(record, { startedAt }) {
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
              'attribute_not_exists(pk) OR ((attribute_not_exists(issuedAt) OR issuedAt < :issuedAt)' +
              ' AND (attribute_not_exists(revokedAt) OR revokedAt < :startedAt))',
            ExpressionAttributeValues: { ':issuedAt': record.issuedAt, ':startedAt': startedAt },
          }),
        ),
      );
    },

    tryAcquireLease(address, appid, lease, now) {
      return conditional(() =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              pk: address,
              sk: leaseSk(appid),
              owner: lease.owner,
              expiresAt: lease.expiresAt,
              ttl: epochSeconds(lease.expiresAt) + LEASE_TTL_SECONDS,
            },
            // A failed lease only informs the requests that waited on it; a newcomer may try again at once.
            ConditionExpression:
              'attribute_not_exists(pk) OR expiresAt <= :now OR attribute_exists(#failure)',
            ExpressionAttributeNames: { '#failure': 'failure' },
            ExpressionAttributeValues: { ':now': now },
          }),
        ),
      );
    },

    async getLease(address, appid) {
      const { Item } = await doc.send(
        new GetCommand({
          TableName: tableName,
          Key: { pk: address, sk: leaseSk(appid) },
          ConsistentRead: true,
        }),
      );
      const parsed = LeaseItem.safeParse(Item);
      return parsed.success ? parsed.data : undefined;
    },

    async releaseLease(address, appid, owner) {
      await conditional(() =>
        doc.send(
          new DeleteCommand({
            TableName: tableName,
            Key: { pk: address, sk: leaseSk(appid) },
            ConditionExpression: '#owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner' },
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
            Key: { pk: address, sk: leaseSk(appid) },
            UpdateExpression: 'SET #failure = :failure, expiresAt = :until',
            ConditionExpression: '#owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner', '#failure': 'failure' },
            ExpressionAttributeValues: { ':owner': owner, ':failure': failure, ':until': until },
          }),
        ),
      );
    },

    revoke: (address, appids, at) => tombstone(address, appids, at, false),
    erase: (address, appids, at) => tombstone(address, appids, at, true),
  };
};
