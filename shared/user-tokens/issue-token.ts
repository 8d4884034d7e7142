/**
 * The user token use cases: issue (served from the cache when it can be, single-flighted to mesibo
 * when it cannot), revoke, and delete. Ports only: no AWS, no HTTP, no timers of its own.
 */

import { isMesiboError } from '../mesibo/errors';
import type { MesiboClient } from '../mesibo/types';
import type { Clock } from '../ports';
import { AppTokenUnsetError } from '../secrets/app-token';
import { classifyMesiboFailure, failureError, mesiboUnavailable } from './mesibo-failure';
import type { TokenMetrics } from './metrics';
import type { LeaseFailure, TokenRecord, TokenStore } from './ports';

/** The part of a structured logger the use cases need (Powertools Logger fits). */
export interface TokenLogger {
  debug(message: string, ...attributes: Record<string, unknown>[]): void;
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

export interface TokenServicePorts {
  store: TokenStore;
  /** Resolved only when mesibo must be called, so a cache hit never builds the client or reads the secret. */
  mesibo: () => Promise<MesiboClient>;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  /** Uniform [0, 1), for poll jitter. */
  random: () => number;
  /** Unique per call; identifies a lease holder. */
  newId: () => string;
  metrics: TokenMetrics;
  logger: TokenLogger;
}

export interface TokenPolicy {
  /** Fraction of a token's lifetime, before expiry, in which it is renewed. */
  refreshWindow: number;
  leaseMs: number;
  /** appids whose cached tokens a revocation invalidates (the configured allow-list). */
  appids: readonly string[];
}

export interface IssueRequest {
  address: string;
  appid: string;
  /** 0 = never expires. */
  expiryMinutes: number;
  name?: string;
}

export type TokenSource =
  /** Fresh from the cache. */
  | 'cache'
  /** Just issued by mesibo (by this request, or by the request it waited for). */
  | 'mesibo'
  /** Valid but due for renewal, returned because mesibo failed or another request is renewing it. */
  | 'stale';

export interface IssuedToken {
  token: TokenRecord;
  source: TokenSource;
  /**
   * This request's own mesibo call replaced a cached token that was still valid; the earlier token
   * stops working if mesibo revokes on re-issue (no mesibo source says it does).
   */
  replacedLiveToken: boolean;
}

/** First wait of a request that lost the lease; doubles per poll up to the cap, with jitter. */
const FIRST_POLL_MS = 20;
const MAX_POLL_MS = 250;
/** How long a failed mesibo call stays on the lease for the requests that waited on it to read. */
const FAILURE_HOLD_MS = 1000;

/** A mesibo failure already logged, carrying its classification. */
class MesiboCallFailed extends Error {
  override readonly name = 'MesiboCallFailed';
  constructor(readonly failure: LeaseFailure) {
    super(`mesibo ${failure.kind}: ${failure.mesiboError}`);
  }
}

/** Still valid, and not yet inside the refresh window. */
export const isFresh = (record: TokenRecord, now: number, refreshWindow: number): boolean => {
  if (record.expiresAt === null) return true;
  const lifetime = record.expiresAt - record.issuedAt;
  return record.expiresAt - now > lifetime * refreshWindow;
};

export const isValid = (record: TokenRecord, now: number): boolean =>
  record.expiresAt === null || record.expiresAt > now;

/**
 * A cached token serves a request only if reissuing would not change anything the caller asked for:
 * the same lifetime, and the same display name when one is given.
 */
const matches = (record: TokenRecord, request: IssueRequest): boolean =>
  record.expiryMinutes === request.expiryMinutes &&
  (request.name === undefined || record.name === request.name);

/** User-facing revoke and delete treat "mesibo does not know this user" as already done. */
const isUnknownUser = (failure: LeaseFailure) =>
  failure.kind === 'rejected' && failure.mesiboError === 'BADVALUE';

export const createTokenService = (ports: TokenServicePorts, policy: TokenPolicy) => {
  const { store, clock, metrics, logger } = ports;
  const servable = (record: TokenRecord | undefined, request: IssueRequest): record is TokenRecord =>
    record !== undefined && matches(record, request) && isFresh(record, clock.now(), policy.refreshWindow);
  const usable = (record: TokenRecord | undefined, request: IssueRequest): record is TokenRecord =>
    record !== undefined && matches(record, request) && isValid(record, clock.now());

  // The client's observer counts the call and its error code; here it is classified and logged.
  const callMesibo = async <T>(op: string, call: (client: MesiboClient) => Promise<T>): Promise<T> => {
    try {
      return await call(await ports.mesibo());
    } catch (e) {
      // Logged once where the secret was read; an operator must act, which a stale token would hide.
      if (e instanceof AppTokenUnsetError) throw e;
      const failure = classifyMesiboFailure(e);
      if (isMesiboError(e)) {
        // mesibo's free-text cause can name the user, so only codes and counts are logged.
        logger.warn('mesibo call failed', {
          op,
          failure,
          kind: e.kind,
          httpStatus: e.httpStatus,
          attempts: e.attempts,
        });
      } else {
        logger.error('mesibo call failed unexpectedly', { op, error: e instanceof Error ? e : String(e) });
      }
      throw new MesiboCallFailed(failure);
    }
  };

  /** Serves `fallback` instead of failing, when mesibo's trouble is an outage and the token still works. */
  const degrade = (
    failure: LeaseFailure,
    fallback: TokenRecord | undefined,
    request: IssueRequest,
  ): IssuedToken => {
    if (failure.kind === 'unavailable' && usable(fallback, request)) {
      metrics.count('TokenServedStale');
      logger.info('serving a cached token while mesibo is unavailable', { mesiboError: failure.mesiboError });
      return { token: fallback, source: 'stale', replacedLiveToken: false };
    }
    throw failureError(failure);
  };

  /** This request holds the lease: it is the only one calling mesibo for this (address, appid). */
  const issueAsHolder = async (
    request: IssueRequest,
    owner: string,
    acquiredAt: number,
    current: TokenRecord | undefined,
  ): Promise<IssuedToken> => {
    const { address, appid } = request;
    // The lease was taken only while `current` was still the cached token, so no re-read is needed.
    let leaseSettled = false;
    try {
      const startedAt = clock.now();
      // Never outlive the lease: past it, another request may already be calling mesibo.
      const signal = AbortSignal.timeout(Math.max(1, acquiredAt + policy.leaseMs - startedAt));
      let issued: { uid: number; token?: string };
      try {
        issued = await callMesibo('useradd', (mesibo) =>
          mesibo.useradd(
            {
              address,
              ...(request.name === undefined ? {} : { name: request.name }),
              token: { appid, expiryMinutes: request.expiryMinutes },
            },
            { signal },
          ),
        );
      } catch (e) {
        if (!(e instanceof MesiboCallFailed)) throw e;
        leaseSettled = true;
        await store
          .failLease(address, appid, owner, e.failure, clock.now() + FAILURE_HOLD_MS)
          .catch((err: unknown) =>
            logger.warn('could not record the mesibo failure on the lease', { error: err }),
          );
        return degrade(e.failure, current, request);
      }
      if (!issued.token) throw failureError({ kind: 'unavailable', mesiboError: 'NOTOKEN' });

      const record: TokenRecord = {
        address,
        appid,
        uid: issued.uid,
        token: issued.token,
        issuedAt: startedAt,
        expiresAt: request.expiryMinutes === 0 ? null : startedAt + request.expiryMinutes * 60_000,
        expiryMinutes: request.expiryMinutes,
        ...(request.name === undefined ? {} : { name: request.name }),
      };
      metrics.count('TokenIssued');
      // A re-issue over a valid token may end it at mesibo: flag it so the caller can tell.
      const replacedLiveToken = current !== undefined && isValid(current, startedAt);
      if (replacedLiveToken) metrics.count('TokenReplacedLive');
      // The caller gets its token even if caching it fails; the next request simply misses.
      const stored = await store.storeIssued(record, { owner, startedAt }).catch((err: unknown) => {
        logger.error('could not cache an issued token', { error: err });
        return undefined;
      });
      if (stored !== undefined) leaseSettled = true;
      if (stored === false)
        logger.info('issued token not cached: the lease was lost or a revocation came first');
      return { token: record, source: 'mesibo', replacedLiveToken };
    } finally {
      if (!leaseSettled) {
        await store
          .releaseLease(address, appid, owner)
          .catch((err: unknown) => logger.warn('could not release the token lease', { error: err }));
      }
    }
  };

  /**
   * Exactly one request per (address, appid) calls mesibo; the others wait for its result and take
   * the token it issued, whatever name or lifetime they asked for: every caller then holds the newest
   * token, which stays valid even if mesibo revokes earlier ones on re-issue. A waiter never fails
   * for having lost: it takes over an expired lease, or is served what the holder stored.
   */
  const singleFlight = async (
    request: IssueRequest,
    cached: TokenRecord | undefined,
  ): Promise<IssuedToken> => {
    const { address, appid } = request;
    const owner = ports.newId();
    // One lease for a holder that died, and one more for the request that takes over from it.
    const deadline = clock.now() + 2 * policy.leaseMs;
    /** The cached token as last read: the lease is only taken while it is still the one stored. */
    let seen = cached;
    /** A token stored since this request arrived was issued by the flight it joined. */
    const issuedSinceArrival = (record: TokenRecord | undefined): record is TokenRecord =>
      record !== undefined &&
      record.issuedAt > (cached?.issuedAt ?? Number.NEGATIVE_INFINITY) &&
      isValid(record, clock.now());
    let delay = FIRST_POLL_MS;
    for (;;) {
      const now = clock.now();
      const attempt = await store.tryAcquireLease(
        address,
        appid,
        { owner, expiresAt: now + policy.leaseMs },
        { now, seenIssuedAt: seen?.issuedAt },
      );
      if (attempt.acquired) return issueAsHolder(request, owner, now, seen);
      // Someone else is renewing; the current token still works meanwhile.
      if (usable(seen, request)) {
        metrics.count('TokenServedStale');
        return { token: seen, source: 'stale', replacedLiveToken: false };
      }
      let entry = attempt.entry;
      for (;;) {
        if (entry) {
          const { record, lease } = entry;
          if (servable(record, request) || issuedSinceArrival(record)) {
            return { token: record, source: 'mesibo', replacedLiveToken: false };
          }
          seen = record;
          const leaseLive = lease !== undefined && lease.expiresAt > clock.now();
          if (leaseLive && lease.failure) return degrade(lease.failure, record ?? cached, request);
          if (!leaseLive) break;
        }
        if (clock.now() >= deadline) {
          logger.warn('gave up waiting for the request holding the token lease', { appid });
          throw mesiboUnavailable(
            'another request for this user is still waiting on mesibo; try again shortly',
          );
        }
        await ports.sleep(delay * (0.5 + ports.random() / 2));
        delay = Math.min(delay * 2, MAX_POLL_MS);
        entry = await store.get(address, appid, { consistent: true });
      }
    }
  };

  /** Requests of this container that missed on the same (address, appid) share one flight. */
  const flights = new Map<string, Promise<IssuedToken>>();

  return {
    async issue(request: IssueRequest): Promise<IssuedToken> {
      const { record } = await store.get(request.address, request.appid);
      if (servable(record, request)) {
        metrics.count('TokenCacheHit');
        return { token: record, source: 'cache', replacedLiveToken: false };
      }
      metrics.count('TokenCacheMiss');
      const key = `${request.address}\u0000${request.appid}`;
      const joined = flights.get(key);
      if (joined) return { ...(await joined), replacedLiveToken: false };
      const flight = singleFlight(request, record).finally(() => flights.delete(key));
      flights.set(key, flight);
      return flight;
    },

    /** Removes the user's tokens at mesibo, then tombstones the cache so no older token is served again. */
    async revoke(address: string): Promise<void> {
      try {
        await callMesibo('userset', (mesibo) => mesibo.userset({ address, removeToken: true }));
      } catch (e) {
        if (!(e instanceof MesiboCallFailed)) throw e;
        if (!isUnknownUser(e.failure)) throw failureError(e.failure);
      }
      // Dated after mesibo's removal: any token whose useradd started before it can no longer be cached.
      await store.revoke(address, policy.appids, clock.now());
    },

    /**
     * Deletes the user at mesibo and erases its cached tokens; an unknown user is already deleted. The
     * tombstones left behind (gone within the hour) stop a login in flight from caching a token again.
     */
    async deleteUser(address: string): Promise<void> {
      try {
        await callMesibo('userdel', (mesibo) => mesibo.userdel({ address }));
      } catch (e) {
        if (!(e instanceof MesiboCallFailed)) throw e;
        if (!isUnknownUser(e.failure)) throw failureError(e.failure);
      }
      await store.revoke(address, policy.appids, clock.now());
    },
  };
};

export type TokenService = ReturnType<typeof createTokenService>;
