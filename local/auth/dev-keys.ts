/**
 * The local identity provider: an ES256 key pair whose public half is the JWT authorizer's key set,
 * and whose private half `npm run dev:token` signs with. Kept in the state directory so tokens stay
 * valid across restarts and the helper and the running stack agree.
 */
import { randomUUID } from 'node:crypto';
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';
import * as z from 'zod';
import { loadOrCreate, loadRequired } from '../state-dir';

export const DEV_KEYS_FILE = 'dev-jwt-key.json';
export const JWT_ALG = 'ES256';

/** The local authorizer's issuer and audience (the deployed stack takes these from its config). */
export const LOCAL_JWT_ISSUER = 'https://auth.mesibo-serverless.localhost/';
export const LOCAL_JWT_AUDIENCE = 'mesibo-serverless-local';

const JwkSchema = z.looseObject({ kty: z.string() });
const DevKeysSchema = z.object({ kid: z.string(), privateJwk: JwkSchema, publicJwk: JwkSchema });
type DevKeys = z.infer<typeof DevKeysSchema>;

const createDevKeys = async (): Promise<DevKeys> => {
  const { privateKey, publicKey } = await generateKeyPair(JWT_ALG, { extractable: true });
  const kid = randomUUID();
  const privateJwk = await exportJWK(privateKey);
  const publicJwk = await exportJWK(publicKey);
  return {
    kid,
    privateJwk: { ...privateJwk, kty: privateJwk.kty ?? 'EC', kid, alg: JWT_ALG },
    publicJwk: { ...publicJwk, kty: publicJwk.kty ?? 'EC', kid, alg: JWT_ALG, use: 'sig' },
  };
};

export const loadOrCreateDevKeys = (dir: string): Promise<DevKeys> =>
  loadOrCreate(dir, DEV_KEYS_FILE, (v) => DevKeysSchema.parse(v), createDevKeys);

export const jwks = (keys: DevKeys): JSONWebKeySet => ({ keys: [keys.publicJwk as JWK] });

export const localKeySet = (keys: DevKeys) => createLocalJWKSet(jwks(keys));

export interface DevTokenOptions {
  subject: string;
  /** Lifetime in seconds (default one hour). */
  expiresIn?: number;
  /** Extra claims, overriding the registered ones; any JSON type, as a misconfigured IdP would send. */
  claims?: Record<string, unknown>;
  now?: Date;
}

/** Signs a token the local JWT authorizer accepts. */
export const signDevToken = async (dir: string, options: DevTokenOptions): Promise<string> => {
  const keys = await loadRequired(dir, DEV_KEYS_FILE, (v) => DevKeysSchema.parse(v));
  const key = await importJWK(keys.privateJwk as JWK, JWT_ALG);
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  // Every claim in `claims` wins, registered ones too (sub, aud, iss, exp...), so a test or a
  // developer can send what a misconfigured IdP would: another audience, a numeric subject, an old exp.
  const payload: JWTPayload = {
    scope: 'openid',
    sub: options.subject,
    iss: LOCAL_JWT_ISSUER,
    aud: LOCAL_JWT_AUDIENCE,
    iat,
    exp: iat + (options.expiresIn ?? 3600),
    jti: randomUUID(),
    ...options.claims,
  };
  return new SignJWT(payload).setProtectedHeader({ alg: JWT_ALG, kid: keys.kid, typ: 'JWT' }).sign(key);
};
