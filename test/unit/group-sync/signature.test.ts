import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  computeSignature,
  parseSignatureHeader,
  signPayload,
  verifySignature,
} from '../../../shared/webhook/signature';

const CURRENT = 'whsec_current_0123456789';
const PREVIOUS = 'whsec_previous_0123456789';
const BODY = '{"id":"d-1","type":"group.delete","group":{"key":"team-1","version":3}}';
const NOW = 1_767_225_600;

const verify = (
  header: string | undefined,
  body: string | Uint8Array = BODY,
  secrets = [CURRENT, PREVIOUS],
) => verifySignature({ header, body, secrets, nowSeconds: NOW });

describe('webhook signatures', () => {
  it('signs "<t>.<raw body>" with HMAC-SHA256, hex', () => {
    const expected = createHmac('sha256', CURRENT).update(`${NOW}.${BODY}`).digest('hex');
    expect(computeSignature(CURRENT, BODY, NOW)).toBe(expected);
    expect(signPayload(CURRENT, BODY, NOW)).toBe(`t=${NOW},v1=${expected}`);
  });

  it('accepts a valid signature, over a string or the same bytes', () => {
    const header = signPayload(CURRENT, BODY, NOW);
    expect(verify(header)).toEqual({ ok: true, t: NOW, secretIndex: 0 });
    expect(verify(header, Buffer.from(BODY))).toMatchObject({ ok: true });
  });

  it('accepts the previous (rotated) secret', () => {
    expect(verify(signPayload(PREVIOUS, BODY, NOW))).toEqual({ ok: true, t: NOW, secretIndex: 1 });
  });

  it('rejects a tampered body', () => {
    expect(verify(signPayload(CURRENT, BODY, NOW), BODY.replace('"version":3', '"version":4'))).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('rejects a secret that is not active', () => {
    expect(verify(signPayload('whsec_someone_else_012345', BODY, NOW))).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verify(signPayload(PREVIOUS, BODY, NOW), BODY, [CURRENT])).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('rejects a timestamp outside the tolerance, past or future, and accepts its edges', () => {
    for (const t of [NOW - 301, NOW + 301]) {
      expect(verify(signPayload(CURRENT, BODY, t))).toEqual({
        ok: false,
        reason: 'timestamp-out-of-tolerance',
      });
    }
    for (const t of [NOW - 300, NOW + 300]) expect(verify(signPayload(CURRENT, BODY, t)).ok).toBe(true);
    expect(
      verifySignature({
        header: signPayload(CURRENT, BODY, NOW - 20),
        body: BODY,
        secrets: [CURRENT],
        nowSeconds: NOW,
        toleranceSeconds: 10,
      }),
    ).toEqual({ ok: false, reason: 'timestamp-out-of-tolerance' });
  });

  it('rejects a re-stamped replay: the timestamp is part of what is signed', () => {
    const old = signPayload(CURRENT, BODY, NOW - 3600);
    const v1 = old.split('v1=')[1];
    expect(verify(`t=${NOW},v1=${v1}`)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('tells a missing header from a malformed one', () => {
    expect(verify(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(verify('')).toEqual({ ok: false, reason: 'missing' });
    for (const header of [
      'garbage',
      `t=${NOW}`,
      `v1=${'a'.repeat(64)}`,
      `t=abc,v1=${'a'.repeat(64)}`,
      `t=${NOW},v1=xyz`,
    ]) {
      expect(verify(header)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('accepts any of several v1 values and ignores unknown schemes', () => {
    const good = computeSignature(CURRENT, BODY, NOW);
    expect(verify(`t=${NOW},v0=zzz,v1=${'0'.repeat(64)},v1=${good.toUpperCase()}`)).toMatchObject({
      ok: true,
    });
    expect(parseSignatureHeader(` t=${NOW} , v1=${good} `)).toEqual({ t: NOW, signatures: [good] });
  });
});
