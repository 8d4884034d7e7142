/**
 * Settings of the issue-user-token function, read from the environment once per container. A missing
 * or malformed setting fails the cold start with a message that names the variable (never its value).
 */

import {
  csvVar,
  ENV,
  type Env,
  intVar,
  listOf,
  numberVar,
  optionalVar,
  parseEnv,
  requiredVar,
} from '../config/env';
import { addressSchema } from '../mesibo/address';
import { DEFAULT_SYSTEM_SENDER_ADDRESS, NOTIFY_ENV } from '../system-messages/config';
import * as z from '../zod';

/** Kept here rather than imported so reading config never loads the Secrets Manager SDK. */
const DEFAULT_SECRET_MAX_AGE_SECONDS = 300;

/** How long one request may hold the right to call mesibo, by default. */
export const DEFAULT_TOKEN_LEASE_MS = 5000;

/**
 * The shortest Lambda timeout that lets a waiting request finish: waiters give up after two leases
 * (a dead holder's, then the takeover's) and then answer, so the function must outlive that by a
 * second, or the caller gets a gateway 5xx instead of the documented 503.
 */
export const minTokenTimeoutMs = (leaseMs: number): number => 2 * leaseMs + 1000;

/** mesibo's own default token lifetime: one year, in minutes. */
export const MESIBO_DEFAULT_EXPIRY_MINUTES = 525_600;

export const TOKEN_ENV = {
  USERS_TABLE: ENV.USERS_TABLE,
  MESIBO_APP_TOKEN_SECRET_ID: ENV.MESIBO_APP_TOKEN_SECRET_ID,
  /** Seconds the app token is cached in memory before Secrets Manager is read again (default 300). */
  MESIBO_APP_TOKEN_MAX_AGE_SECONDS: 'MESIBO_APP_TOKEN_MAX_AGE_SECONDS',
  /** JWT claim that carries the caller's mesibo address (default `sub`). */
  TOKEN_ADDRESS_CLAIM: 'TOKEN_ADDRESS_CLAIM',
  /** Prepended to the claim value to form the address (default none). */
  TOKEN_ADDRESS_PREFIX: 'TOKEN_ADDRESS_PREFIX',
  /** Comma-separated appids a token may be issued for (required). */
  TOKEN_APPIDS: 'TOKEN_APPIDS',
  /** appid used when a request names none (default: the first of TOKEN_APPIDS). */
  TOKEN_DEFAULT_APPID: 'TOKEN_DEFAULT_APPID',
  /** Token lifetime when a request names none, minutes; 0 = never expires (default 525600). */
  TOKEN_EXPIRY_MINUTES: 'TOKEN_EXPIRY_MINUTES',
  /** Smallest `expiryMinutes` a signup backend may ask for (default 15; 0 allows never-expiring). */
  TOKEN_EXPIRY_MINUTES_MIN: 'TOKEN_EXPIRY_MINUTES_MIN',
  /** Largest `expiryMinutes` a signup backend may ask for (default 525600). */
  TOKEN_EXPIRY_MINUTES_MAX: 'TOKEN_EXPIRY_MINUTES_MAX',
  /** Fraction of a token's lifetime before expiry in which it is renewed, 0..1 (default 0.1). */
  TOKEN_REFRESH_WINDOW: 'TOKEN_REFRESH_WINDOW',
  /** How long one request may hold the right to call mesibo for an (address, appid), ms (default 5000). */
  TOKEN_LEASE_MS: 'TOKEN_LEASE_MS',
  /** Comma-separated addresses no user token is issued for, beyond the system sender (default none). */
  TOKEN_RESERVED_ADDRESSES: 'TOKEN_RESERVED_ADDRESSES',
  /** The system messages' sender, never given a user token (the stack copies send-system-message's). */
  SYSTEM_SENDER_ADDRESS: NOTIFY_ENV.SYSTEM_SENDER_ADDRESS,
  /** The other system senders, never given a user token either (copied from send-system-message too). */
  SYSTEM_SENDERS: NOTIFY_ENV.SYSTEM_SENDERS,
} as const;

export interface TokenConfig {
  usersTable: string;
  appTokenSecretId: string;
  appTokenMaxAgeSeconds: number;
  addressClaim: string;
  addressPrefix: string;
  appids: readonly string[];
  defaultAppid: string;
  expiryMinutes: { default: number; min: number; max: number };
  /** Fraction of the lifetime, before expiry, in which a cached token is renewed. */
  refreshWindow: number;
  leaseMs: number;
  /** The system senders first (the default one leading), then TOKEN_RESERVED_ADDRESSES. */
  reservedAddresses: readonly string[];
}

/** The variables issue-user-token reads (beside the mesibo endpoint's); shared/settings.ts declares them. */
export const TOKEN_ENV_SCHEMA = z.object({
  USERS_TABLE: requiredVar(),
  MESIBO_APP_TOKEN_SECRET_ID: requiredVar(),
  MESIBO_APP_TOKEN_MAX_AGE_SECONDS: intVar(DEFAULT_SECRET_MAX_AGE_SECONDS, 0, 86_400),
  TOKEN_ADDRESS_CLAIM: z.pipe(optionalVar('sub'), z.string().check(z.minLength(1))),
  TOKEN_ADDRESS_PREFIX: optionalVar(''),
  TOKEN_APPIDS: z.pipe(requiredVar(), listOf(z.string(), z.minLength(1, 'must list at least one appid'))),
  TOKEN_DEFAULT_APPID: optionalVar(''),
  TOKEN_EXPIRY_MINUTES: intVar(MESIBO_DEFAULT_EXPIRY_MINUTES, 0),
  TOKEN_EXPIRY_MINUTES_MIN: intVar(15, 0),
  TOKEN_EXPIRY_MINUTES_MAX: intVar(MESIBO_DEFAULT_EXPIRY_MINUTES, 0),
  TOKEN_REFRESH_WINDOW: numberVar(0.1, z.gte(0, 'must be at least 0'), z.lt(1, 'must be below 1')),
  TOKEN_LEASE_MS: intVar(DEFAULT_TOKEN_LEASE_MS, 100, 60_000),
  TOKEN_RESERVED_ADDRESSES: csvVar(addressSchema),
  SYSTEM_SENDER_ADDRESS: z._default(addressSchema, DEFAULT_SYSTEM_SENDER_ADDRESS),
  SYSTEM_SENDERS: csvVar(addressSchema),
});

export const tokenConfigFromEnv = (env: Env): TokenConfig => {
  const e = parseEnv(TOKEN_ENV_SCHEMA, env, 'issue-user-token');
  const appids = [...new Set(e.TOKEN_APPIDS)];
  const defaultAppid = e.TOKEN_DEFAULT_APPID || appids[0]!;
  const expiry = {
    default: e.TOKEN_EXPIRY_MINUTES,
    min: e.TOKEN_EXPIRY_MINUTES_MIN,
    max: e.TOKEN_EXPIRY_MINUTES_MAX,
  };
  const problems: string[] = [];
  if (!appids.includes(defaultAppid)) problems.push('TOKEN_DEFAULT_APPID must be one of TOKEN_APPIDS');
  if (expiry.min > expiry.max)
    problems.push('TOKEN_EXPIRY_MINUTES_MIN must not exceed TOKEN_EXPIRY_MINUTES_MAX');
  if (expiry.default < expiry.min || expiry.default > expiry.max) {
    problems.push(
      'TOKEN_EXPIRY_MINUTES must lie between TOKEN_EXPIRY_MINUTES_MIN and TOKEN_EXPIRY_MINUTES_MAX',
    );
  }
  if (problems.length) throw new Error(`invalid issue-user-token configuration: ${problems.join('; ')}`);
  return {
    usersTable: e.USERS_TABLE,
    appTokenSecretId: e.MESIBO_APP_TOKEN_SECRET_ID,
    appTokenMaxAgeSeconds: e.MESIBO_APP_TOKEN_MAX_AGE_SECONDS,
    addressClaim: e.TOKEN_ADDRESS_CLAIM,
    addressPrefix: e.TOKEN_ADDRESS_PREFIX,
    appids,
    defaultAppid,
    expiryMinutes: expiry,
    refreshWindow: e.TOKEN_REFRESH_WINDOW,
    leaseMs: e.TOKEN_LEASE_MS,
    reservedAddresses: [
      ...new Set([e.SYSTEM_SENDER_ADDRESS, ...e.SYSTEM_SENDERS, ...e.TOKEN_RESERVED_ADDRESSES]),
    ],
  };
};
