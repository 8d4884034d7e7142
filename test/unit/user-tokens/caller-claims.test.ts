import { describe, expect, it } from 'vitest';
import { claimString } from '../../../local/gateway/jwt-authorizer';
import { bearerToken } from '../../../local/harness/user-tokens/events';
import { addressClaimOf } from '../../../shared/user-tokens/caller-claims';

/** What the function receives: the authorizer's string rendering, and the token itself. */
const read = (claim: string, payload: Record<string, unknown>) =>
  addressClaimOf(
    claim,
    Object.fromEntries(Object.entries(payload).map(([k, v]) => [k, claimString(v)])),
    bearerToken(payload),
  );

describe('the address claim', () => {
  it('is a string claim of the verified token, taken as it is', () => {
    expect(read('sub', { sub: 'auth0|64f1c2a9e4b0d5f6a7b8c9d0' })).toEqual({
      ok: true,
      value: 'auth0|64f1c2a9e4b0d5f6a7b8c9d0',
    });
    expect(read('custom:uid', { sub: 'x', 'custom:uid': ' padded ' })).toEqual({
      ok: true,
      value: ' padded ',
    });
  });

  it.each([
    [{ sub: 777 }, 'is a number'],
    [{ sub: null }, 'is null'],
    [{ sub: ['a'] }, 'is an array'],
    [{}, 'has no "sub" claim'],
  ])('refuses %j: %s', (payload, reason) => {
    const result = read('sub', payload);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(reason);
  });

  it.each([
    ['email', { email: 'ana@example.com', email_verified: false }, false],
    ['email', { email: 'ana@example.com', email_verified: 'false' }, false],
    ['email', { email: 'ana@example.com' }, false],
    ['email', { email: 'ana@example.com', email_verified: true }, true],
    // Cognito has sent the flag as a string.
    ['email', { email: 'ana@example.com', email_verified: 'true' }, true],
    ['phone_number', { phone_number: '+4915112345678', phone_number_verified: false }, false],
    ['phone_number', { phone_number: '+4915112345678', phone_number_verified: true }, true],
  ])('takes a user-chosen %s claim only when verified: %j', (claim, payload, ok) => {
    const result = read(claim, { sub: 'abc', ...payload });
    expect(result.ok).toBe(ok);
    if (!result.ok)
      expect(result.reason).toMatch(/is not verified \("\w+_verified" is (false|"false"|null)\)/);
  });

  it('refuses a header token whose claims differ from what the authorizer verified', () => {
    const result = addressClaimOf('sub', { sub: 'alice' }, bearerToken({ sub: 'mallory' }));
    expect(result).toEqual({ ok: false, reason: 'The bearer token is not the one the authorizer verified' });
    const other = addressClaimOf(
      'sub',
      { sub: 'alice', iss: 'https://a' },
      bearerToken({ sub: 'alice', iss: 'https://b' }),
    );
    expect(other.ok).toBe(false);
    expect(addressClaimOf('sub', { sub: 'alice' }, undefined).ok).toBe(false);
  });
});
