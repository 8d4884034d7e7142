/**
 * What issuing user tokens needs from its store, whatever keeps it: the cached token of one (address,
 * appid), the lease a request holds while it calls mesibo, and revocation. The DynamoDB adapter is
 * dynamo-token-store.ts; tests use an in-memory one.
 */
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
