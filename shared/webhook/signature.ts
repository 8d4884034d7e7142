/**
 * HMAC-SHA256 webhook signatures: `X-Mesibo-Signature: t=<unix seconds>,v1=<hex>` over `"<t>.<raw body>"`.
 * The timestamp is inside the signed bytes, so a captured request cannot be replayed with a fresh `t`.
 * Pure functions (no clock, no secrets store) so the route, the tests and `npm run sign-webhook` share them.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header names as API Gateway (payload v2) delivers them: lower case. */
export const SIGNATURE_HEADER = 'x-mesibo-signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

const SCHEME = 'v1';
const HEX_SHA256 = /^[0-9a-f]{64}$/i;

export type SignedBody = string | Uint8Array;

const toBytes = (body: SignedBody): Buffer =>
  typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);

/** The hex HMAC of `"<t>.<body>"`. */
export const computeSignature = (secret: string, body: SignedBody, t: number): string =>
  createHmac('sha256', secret).update(`${t}.`).update(toBytes(body)).digest('hex');

/** The full header value a sender puts in `X-Mesibo-Signature`. */
export const signPayload = (secret: string, body: SignedBody, t: number): string =>
  `t=${t},${SCHEME}=${computeSignature(secret, body, t)}`;

export interface ParsedSignature {
  t: number;
  /** Every `v1` value; a sender may sign with two secrets while it rotates. */
  signatures: string[];
}

/** Parses `t=...,v1=...[,v1=...]`; unknown schemes are ignored so a future `v2` can be added. */
export const parseSignatureHeader = (header: string): ParsedSignature | undefined => {
  let t: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return undefined;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === 't') {
      if (!/^\d{1,12}$/.test(value) || t !== undefined) return undefined;
      t = Number(value);
    } else if (name === SCHEME && HEX_SHA256.test(value)) {
      signatures.push(value.toLowerCase());
    }
  }
  return t === undefined || signatures.length === 0 ? undefined : { t, signatures };
};

export type VerifyFailure =
  /** No header at all. */
  | 'missing'
  /** The header cannot be read (no `t`, no `v1`, bad hex). */
  | 'malformed'
  /** `t` is further than the tolerance from now, in either direction. */
  | 'timestamp-out-of-tolerance'
  /** No `v1` matches any active secret. */
  | 'mismatch';

export type VerifyResult =
  | { ok: true; t: number; secretIndex: number }
  | { ok: false; reason: VerifyFailure };

export interface VerifyInput {
  header: string | undefined;
  body: SignedBody;
  /** Active secrets, newest first; any of them may have signed. */
  secrets: readonly string[];
  nowSeconds: number;
  toleranceSeconds?: number;
}

export const verifySignature = (input: VerifyInput): VerifyResult => {
  if (input.header === undefined || input.header.trim() === '') return { ok: false, reason: 'missing' };
  const parsed = parseSignatureHeader(input.header);
  if (!parsed) return { ok: false, reason: 'malformed' };
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(input.nowSeconds - parsed.t) > tolerance) {
    return { ok: false, reason: 'timestamp-out-of-tolerance' };
  }
  const given = parsed.signatures.map((hex) => Buffer.from(hex, 'hex'));
  for (const [secretIndex, secret] of input.secrets.entries()) {
    const expected = Buffer.from(computeSignature(secret, input.body, parsed.t), 'hex');
    // Every candidate is compared in full (no early exit inside a compare) so timing leaks nothing.
    if (given.some((candidate) => timingSafeEqual(candidate, expected))) {
      return { ok: true, t: parsed.t, secretIndex };
    }
  }
  return { ok: false, reason: 'mismatch' };
};
