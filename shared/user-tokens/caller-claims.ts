/**
 * The end user's mesibo address, from the JWT API Gateway verified. The authorizer hands the function
 * every claim as a string (`777`, `"777"` and `null` would all arrive as text), so the claim's type
 * is read from the token itself, the very token of the Authorization header the authorizer checked;
 * its string claims must match the authorizer's. Only a string claim names an address, and an
 * `email` or `phone_number` claim counts only when the token says it is verified.
 */
import { decodeJwt, type JWTPayload } from 'jose';

/** OIDC's verification flags for the claims a user can set to anything. */
const VERIFIED_BY: Readonly<Record<string, string>> = {
  email: 'email_verified',
  phone_number: 'phone_number_verified',
};

export type ClaimResult = { ok: true; value: string } | { ok: false; reason: string };

const typeName = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;

const readToken = (authorization: string | undefined): JWTPayload | undefined => {
  const token = authorization?.replace(/^Bearer\s+/i, '').trim();
  // Two Authorization headers arrive joined by a comma: which one was verified is not knowable.
  if (!token || token.includes(',')) return undefined;
  try {
    return decodeJwt(token);
  } catch {
    return undefined;
  }
};

export const addressClaimOf = (
  claim: string,
  authorizerClaims: Readonly<Record<string, unknown>>,
  authorization: string | undefined,
): ClaimResult => {
  const payload = readToken(authorization);
  if (!payload) return { ok: false, reason: 'The request carries no single readable bearer token' };
  for (const [name, value] of Object.entries(payload)) {
    if (typeof value === 'string' && name in authorizerClaims && authorizerClaims[name] !== value) {
      return { ok: false, reason: 'The bearer token is not the one the authorizer verified' };
    }
  }
  const value = payload[claim];
  if (value === undefined) return { ok: false, reason: `The token has no "${claim}" claim` };
  if (typeof value !== 'string') {
    return {
      ok: false,
      reason: `The token's "${claim}" claim is ${typeName(value)}; only a string claim names a mesibo address`,
    };
  }
  if (authorizerClaims[claim] !== value) {
    return { ok: false, reason: 'The bearer token is not the one the authorizer verified' };
  }
  if (value.trim() === '') return { ok: false, reason: `The token's "${claim}" claim is blank` };
  const flag = VERIFIED_BY[claim];
  if (flag && payload[flag] !== true && payload[flag] !== 'true') {
    return {
      ok: false,
      reason: `The token's "${claim}" is not verified ("${flag}" is ${JSON.stringify(payload[flag] ?? null)}), so it cannot name a mesibo address`,
    };
  }
  return { ok: true, value };
};
