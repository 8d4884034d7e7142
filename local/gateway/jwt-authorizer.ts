/**
 * The local JWT authorizer: verifies a bearer token the way an HTTP API JWT authorizer does (key set,
 * issuer, audience or client_id, exp/nbf) and renders its claims as API Gateway passes them to the
 * function: every value a string, arrays as `[a b]`.
 */
import { type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { LOCAL_JWT_AUDIENCE, LOCAL_JWT_ISSUER } from '../auth/dev-keys';

export interface JwtAuthorizerContext {
  claims: Record<string, string>;
  scopes: string[] | null;
}

export type JwtAuthorizerResult = { ok: true; jwt: JwtAuthorizerContext } | { ok: false; reason: string };

/** Go-style rendering, which is what API Gateway produces for non-string claims. */
export const claimString = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(claimString).join(' ')}]`;
  if (value !== null && typeof value === 'object') {
    return `map[${Object.entries(value)
      .map(([k, v]) => `${k}:${claimString(v)}`)
      .join(' ')}]`;
  }
  return String(value);
};

const scopesOf = (payload: JWTPayload): string[] | null => {
  if (typeof payload.scope === 'string') return payload.scope.split(' ').filter(Boolean);
  if (Array.isArray(payload.scp)) return payload.scp.map(String);
  return null;
};

export const jwtAuthorizer = (
  keySet: JWTVerifyGetKey,
  options: { issuer?: string; audience?: string } = {},
) => {
  const issuer = options.issuer ?? LOCAL_JWT_ISSUER;
  const audience = options.audience ?? LOCAL_JWT_AUDIENCE;
  return async (authorization: string | undefined): Promise<JwtAuthorizerResult> => {
    if (!authorization) return { ok: false, reason: 'missing token' };
    // The authorizer's identity source is the Authorization header; a "Bearer " prefix is optional.
    const token = authorization.replace(/^Bearer\s+/i, '').trim();
    try {
      const { payload } = await jwtVerify(token, keySet, { issuer, requiredClaims: ['exp'] });
      const aud = payload.aud === undefined ? [] : [payload.aud].flat();
      if (!aud.includes(audience) && payload.client_id !== audience) {
        // API Gateway's own wording for this case.
        return { ok: false, reason: 'the token does not have a valid audience' };
      }
      const claims = Object.fromEntries(Object.entries(payload).map(([k, v]) => [k, claimString(v)]));
      return { ok: true, jwt: { claims, scopes: scopesOf(payload) } };
    } catch (e) {
      return { ok: false, reason: (e as Error).message };
    }
  };
};
