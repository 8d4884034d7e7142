/**
 * Settings of the issue-user-token function, read from the environment once per container. A missing
 * or malformed setting fails the cold start with a message that names the variable (never its value).
 */
import { z } from 'zod';
import { csv, ENV } from '../config/env';

/** Kept here rather than imported so reading config never loads the Secrets Manager SDK. */
const DEFAULT_SECRET_MAX_AGE_SECONDS = 300;

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
} as const;

/** Every variable this function's config reads (the mesibo endpoint ones are read by shared/mesibo). */
export const TOKEN_ENV_VARS: readonly string[] = [
  ...Object.values(TOKEN_ENV),
  ENV.MESIBO_API_URL,
  ENV.MESIBO_API_STYLE,
];

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
}

const blankAsUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalText = (fallback: string) =>
  z.preprocess(blankAsUndefined, z.string().trim().default(fallback));
const requiredText = () =>
  z.preprocess(blankAsUndefined, z.string({ error: 'is required' }).trim().min(1, 'is required'));
const int = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(
    blankAsUndefined,
    z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`)
      .default(fallback),
  );

const EnvSchema = z.object({
  USERS_TABLE: requiredText(),
  MESIBO_APP_TOKEN_SECRET_ID: requiredText(),
  MESIBO_APP_TOKEN_MAX_AGE_SECONDS: int(DEFAULT_SECRET_MAX_AGE_SECONDS, 0, 86_400),
  TOKEN_ADDRESS_CLAIM: optionalText('sub').pipe(z.string().min(1)),
  TOKEN_ADDRESS_PREFIX: optionalText(''),
  TOKEN_APPIDS: requiredText().pipe(
    z.string().transform(csv).pipe(z.array(z.string()).min(1, 'must list at least one appid')),
  ),
  TOKEN_DEFAULT_APPID: z.preprocess(blankAsUndefined, z.string().trim().optional()),
  TOKEN_EXPIRY_MINUTES: int(MESIBO_DEFAULT_EXPIRY_MINUTES, 0),
  TOKEN_EXPIRY_MINUTES_MIN: int(15, 0),
  TOKEN_EXPIRY_MINUTES_MAX: int(MESIBO_DEFAULT_EXPIRY_MINUTES, 0),
  TOKEN_REFRESH_WINDOW: z.preprocess(
    blankAsUndefined,
    z.coerce
      .number({ error: 'must be a number' })
      .min(0, 'must be at least 0')
      .lt(1, 'must be below 1')
      .default(0.1),
  ),
  TOKEN_LEASE_MS: int(5000, 100, 60_000),
});

export const tokenConfigFromEnv = (env: Record<string, string | undefined>): TokenConfig => {
  const raw = Object.fromEntries(Object.keys(EnvSchema.shape).map((k) => [k, env[k]]));
  const parsed = EnvSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`);
    throw new Error(`invalid issue-user-token configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const appids = [...new Set(e.TOKEN_APPIDS)];
  const defaultAppid = e.TOKEN_DEFAULT_APPID ?? appids[0]!;
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
  };
};
