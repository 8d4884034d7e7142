/**
 * The TokenStore rules, checked against the DynamoDB store on dynalite (real conditional writes, the
 * real SDK) and against the in-memory store the unit tests stand on, so the two cannot drift apart.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTables, type LocalDynamo, startDynalite, uniqueTableNames } from '../../../local/dynamo';
import { dynamoTokenStore } from '../../../shared/user-tokens/dynamo-token-store';
import type { TokenRecord, TokenStore } from '../../../shared/user-tokens/ports';
import { MemoryTokenStore } from '../../unit/user-tokens/support/memory-store';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const APPID = 'com.example.app';
const OTHER = 'com.example.web';

let dynamo: LocalDynamo;
let table: string;
beforeAll(async () => {
  dynamo = await startDynalite();
  const names = uniqueTableNames();
  await createTables(dynamo.client, names);
  table = names.usersTable;
});
afterAll(() => dynamo.close());

let addresses = 0;
const record = (over: Partial<TokenRecord> = {}): TokenRecord => ({
  address: `user-${addresses}`,
  appid: APPID,
  uid: 7,
  token: 'token-1',
  issuedAt: T0,
  expiresAt: T0 + 60 * 60_000,
  expiryMinutes: 60,
  ...over,
});

const raw = async (address: string, sk: string) =>
  (
    await dynamo.doc.send(
      new GetCommand({ TableName: table, Key: { pk: address, sk }, ConsistentRead: true }),
    )
  ).Item;

describe.each([
  ['DynamoDB (dynalite)', () => dynamoTokenStore(dynamo.doc, table)],
  ['memory', () => new MemoryTokenStore()],
] as const)('TokenStore rules: %s', (kind, create) => {
  let store: TokenStore;
  let address: string;
  beforeAll(() => {
    store = create();
  });
  const fresh = () => {
    addresses++;
    address = `user-${addresses}`;
    return address;
  };

  const lease = (owner: string, expiresAt: number) => ({ owner, expiresAt });
  /** Takes the lease as `owner` on an item seen with `seen` cached, and stores `r` through it. */
  const issue = async (r: TokenRecord, owner: string, seen?: number, startedAt = r.issuedAt) => {
    const taken = await store.tryAcquireLease(r.address, r.appid, lease(owner, r.issuedAt + 5000), {
      now: r.issuedAt,
      seenIssuedAt: seen,
    });
    return taken.acquired && (await store.storeIssued(r, { owner, startedAt }));
  };

  it('stores a token through the lease and reads it back; the lease is gone with the same write', async () => {
    fresh();
    expect(await issue(record(), 'a')).toBe(true);
    expect(await store.get(address, APPID, { consistent: true })).toEqual({ record: record() });
    expect(await store.get(address, OTHER, { consistent: true })).toEqual({});
    // Without the lease, nothing is stored.
    expect(
      await store.storeIssued(record({ token: 'rogue', issuedAt: T0 + 1 }), {
        owner: 'a',
        startedAt: T0 + 1,
      }),
    ).toBe(false);
    expect((await store.get(address, APPID, { consistent: true })).record?.token).toBe('token-1');
  });

  it('takes the lease only while the token read is still the one cached', async () => {
    fresh();
    await issue(record(), 'a');
    // A request that read nothing (a stale read, or it arrived before the store) must not call mesibo.
    expect(
      await store.tryAcquireLease(address, APPID, lease('b', T0 + 6000), {
        now: T0 + 1,
        seenIssuedAt: undefined,
      }),
    ).toMatchObject({ acquired: false });
    expect(
      await store.tryAcquireLease(address, APPID, lease('b', T0 + 6000), {
        now: T0 + 1,
        seenIssuedAt: T0 - 5,
      }),
    ).toMatchObject({ acquired: false });
    expect(
      await store.tryAcquireLease(address, APPID, lease('b', T0 + 6000), { now: T0 + 1, seenIssuedAt: T0 }),
    ).toEqual({ acquired: true });
    const renewed = record({ token: 'token-2', issuedAt: T0 + 2 });
    expect(await store.storeIssued(renewed, { owner: 'b', startedAt: T0 + 2 })).toBe(true);
    expect(await store.get(address, APPID, { consistent: true })).toEqual({ record: renewed });
  });

  it('keeps a never-expiring token without an expiry', async () => {
    fresh();
    await issue(record({ expiresAt: null, expiryMinutes: 0 }), 'a');
    expect((await store.get(address, APPID, { consistent: true })).record).toMatchObject({ expiresAt: null });
  });

  it('revoke: tombstones every cached appid and the given ones, leases included; only tokens begun after it are stored', async () => {
    fresh();
    await issue(record(), 'a');
    await store.tryAcquireLease(address, OTHER, lease('in-flight', T0 + 5000), {
      now: T0,
      seenIssuedAt: undefined,
    });
    await store.revoke(address, [OTHER], T0 + 1000);
    expect(await store.get(address, APPID, { consistent: true })).toEqual({});
    expect(await store.get(address, OTHER, { consistent: true })).toEqual({});
    // The request that held the lease during the revocation cannot cache what it got.
    expect(
      await store.storeIssued(record({ appid: OTHER, issuedAt: T0 + 900 }), {
        owner: 'in-flight',
        startedAt: T0 + 900,
      }),
    ).toBe(false);
    // A lease taken on the tombstone with a clock behind the revocation still cannot cache.
    expect(await issue(record({ issuedAt: T0 + 2000 }), 'late', undefined, T0 + 1000)).toBe(false);
    await store.releaseLease(address, APPID, 'late');
    expect(await issue(record({ issuedAt: T0 + 2000 }), 'after', undefined, T0 + 1001)).toBe(true);
  });

  it('lease: one holder at a time; taken over once expired or failed; released only by its owner', async () => {
    fresh();
    const at = (now: number) => ({ now, seenIssuedAt: undefined });
    expect(await store.tryAcquireLease(address, APPID, lease('a', T0 + 5000), at(T0))).toEqual({
      acquired: true,
    });
    expect((await store.tryAcquireLease(address, APPID, lease('b', T0 + 6000), at(T0 + 4999))).acquired).toBe(
      false,
    );
    expect(await store.tryAcquireLease(address, APPID, lease('b', T0 + 10_000), at(T0 + 5000))).toEqual({
      acquired: true,
    });
    await store.releaseLease(address, APPID, 'a');
    expect((await store.get(address, APPID, { consistent: true })).lease).toMatchObject({ owner: 'b' });
    const failure = { kind: 'unavailable', mesiboError: 'NETWORK' } as const;
    await store.failLease(address, APPID, 'a', failure, T0 + 20_000);
    expect((await store.get(address, APPID, { consistent: true })).lease?.failure).toBeUndefined();
    await store.failLease(address, APPID, 'b', failure, T0 + 20_000);
    expect((await store.get(address, APPID, { consistent: true })).lease).toEqual({
      owner: 'b',
      expiresAt: T0 + 20_000,
      failure,
    });
    expect(await store.tryAcquireLease(address, APPID, lease('c', T0 + 30_000), at(T0 + 7000))).toEqual({
      acquired: true,
    });
    expect((await store.get(address, APPID, { consistent: true })).lease?.failure).toBeUndefined();
    await store.releaseLease(address, APPID, 'c');
    expect(await store.get(address, APPID, { consistent: true })).toEqual({});
  });

  if (kind === 'DynamoDB (dynalite)') {
    it('writes the TTL attribute: token at its expiry, tombstone within the hour, a lease-only item after its lease', async () => {
      fresh();
      await store.tryAcquireLease(address, APPID, lease('a', T0 + 5000), {
        now: T0,
        seenIssuedAt: undefined,
      });
      expect(Number((await raw(address, `appid#${APPID}`))?.ttl)).toBeGreaterThan((T0 + 5000) / 1000);
      await store.storeIssued(record(), { owner: 'a', startedAt: T0 });
      expect((await raw(address, `appid#${APPID}`))?.ttl).toBe((T0 + 60 * 60_000) / 1000);
      // A renewal's lease keeps the token's own TTL.
      await store.tryAcquireLease(address, APPID, lease('b', T0 + 6000), { now: T0 + 1, seenIssuedAt: T0 });
      expect((await raw(address, `appid#${APPID}`))?.ttl).toBe((T0 + 60 * 60_000) / 1000);
      await store.revoke(address, [], T0 + 1000);
      expect((await raw(address, `appid#${APPID}`))?.ttl).toBe((T0 + 1000) / 1000 + 3600);
      fresh();
      await issue(record({ expiresAt: null, expiryMinutes: 0 }), 'a');
      expect((await raw(address, `appid#${APPID}`))?.ttl).toBeUndefined();
    });
  }
});
