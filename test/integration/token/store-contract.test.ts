/**
 * The TokenStore rules, checked against the DynamoDB store on dynalite (real conditional writes, the
 * real SDK) and against the in-memory store the unit tests stand on, so the two cannot drift apart.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTables, type LocalDynamo, startDynalite, uniqueTableNames } from '../../../local/dynamo';
import { dynamoTokenStore, type TokenRecord, type TokenStore } from '../../../shared/token/token-cache';
import { MemoryTokenStore } from '../../unit/token/support/memory-store';

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

  it('stores a token and reads it back; an older one never replaces a newer one', async () => {
    fresh();
    expect(await store.put(record(), { startedAt: T0 })).toBe(true);
    expect(await store.get(address, APPID, { consistent: true })).toEqual(record());
    expect(await store.put(record({ token: 'older', issuedAt: T0 - 1 }), { startedAt: T0 - 1 })).toBe(false);
    expect(await store.put(record({ token: 'same-time', issuedAt: T0 }), { startedAt: T0 })).toBe(false);
    expect(await store.put(record({ token: 'newer', issuedAt: T0 + 1 }), { startedAt: T0 + 1 })).toBe(true);
    expect((await store.get(address, APPID, { consistent: true }))?.token).toBe('newer');
    expect(await store.get(address, OTHER, { consistent: true })).toBeUndefined();
  });

  it('keeps a never-expiring token without an expiry', async () => {
    fresh();
    await store.put(record({ expiresAt: null, expiryMinutes: 0 }), { startedAt: T0 });
    expect(await store.get(address, APPID, { consistent: true })).toMatchObject({ expiresAt: null });
  });

  it('revoke: tombstones every cached appid and the given ones; only tokens begun after it are stored', async () => {
    fresh();
    await store.put(record(), { startedAt: T0 });
    await store.revoke(address, [OTHER], T0 + 1000);
    expect(await store.get(address, APPID, { consistent: true })).toBeUndefined();
    expect(await store.put(record({ issuedAt: T0 + 2000 }), { startedAt: T0 + 1000 })).toBe(false);
    expect(await store.put(record({ appid: OTHER, issuedAt: T0 + 2000 }), { startedAt: T0 + 999 })).toBe(
      false,
    );
    expect(await store.put(record({ issuedAt: T0 + 2000 }), { startedAt: T0 + 1001 })).toBe(true);
  });

  it('erase: no token and no lease left, and a token begun before it is not cached again', async () => {
    fresh();
    await store.put(record(), { startedAt: T0 });
    await store.tryAcquireLease(address, OTHER, { owner: 'a', expiresAt: T0 + 5000 }, T0);
    await store.erase(address, [APPID, OTHER], T0 + 1000);
    expect(await store.get(address, APPID, { consistent: true })).toBeUndefined();
    expect(await store.getLease(address, OTHER)).toBeUndefined();
    expect(await store.put(record({ issuedAt: T0 + 1500 }), { startedAt: T0 + 500 })).toBe(false);
    expect(await store.put(record({ appid: OTHER, issuedAt: T0 + 1500 }), { startedAt: T0 + 500 })).toBe(
      false,
    );
    expect(await store.put(record({ issuedAt: T0 + 3000 }), { startedAt: T0 + 2000 })).toBe(true);
  });

  it('lease: one holder at a time; taken over once expired or failed; released only by its owner', async () => {
    fresh();
    const lease = (owner: string, expiresAt: number) => ({ owner, expiresAt });
    expect(await store.tryAcquireLease(address, APPID, lease('a', T0 + 5000), T0)).toBe(true);
    expect(await store.tryAcquireLease(address, APPID, lease('b', T0 + 6000), T0 + 4999)).toBe(false);
    expect(await store.tryAcquireLease(address, APPID, lease('b', T0 + 10_000), T0 + 5000)).toBe(true);
    await store.releaseLease(address, APPID, 'a');
    expect(await store.getLease(address, APPID)).toMatchObject({ owner: 'b' });
    const failure = { kind: 'unavailable', mesiboError: 'NETWORK' } as const;
    await store.failLease(address, APPID, 'a', failure, T0 + 20_000);
    expect((await store.getLease(address, APPID))?.failure).toBeUndefined();
    await store.failLease(address, APPID, 'b', failure, T0 + 20_000);
    expect(await store.getLease(address, APPID)).toEqual({ owner: 'b', expiresAt: T0 + 20_000, failure });
    expect(await store.tryAcquireLease(address, APPID, lease('c', T0 + 30_000), T0 + 7000)).toBe(true);
    await store.releaseLease(address, APPID, 'c');
    expect(await store.getLease(address, APPID)).toBeUndefined();
  });

  if (kind === 'DynamoDB (dynalite)') {
    it('writes the TTL attribute: token at its expiry, tombstone within the hour, lease after its expiry', async () => {
      fresh();
      await store.put(record(), { startedAt: T0 });
      expect((await raw(address, `appid#${APPID}`))?.ttl).toBe((T0 + 60 * 60_000) / 1000);
      await store.tryAcquireLease(address, APPID, { owner: 'a', expiresAt: T0 + 5000 }, T0);
      expect(Number((await raw(address, `lease#${APPID}`))?.ttl)).toBeGreaterThan((T0 + 5000) / 1000);
      await store.revoke(address, [], T0 + 1000);
      expect((await raw(address, `appid#${APPID}`))?.ttl).toBe((T0 + 1000) / 1000 + 3600);
      fresh();
      await store.put(record({ expiresAt: null, expiryMinutes: 0 }), { startedAt: T0 });
      expect((await raw(address, `appid#${APPID}`))?.ttl).toBeUndefined();
    });
  }
});
