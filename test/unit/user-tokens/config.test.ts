import { describe, expect, it } from 'vitest';
import { functionSpec } from '../../../shared/functions';
import { tokenConfigFromEnv } from '../../../shared/user-tokens/config';

const minimal = {
  USERS_TABLE: 'users',
  MESIBO_APP_TOKEN_SECRET_ID: 'mesibo/app-token',
  TOKEN_APPIDS: 'com.example.app, com.example.web',
};

describe('tokenConfigFromEnv', () => {
  it('reserves the system senders and the configured list, and refuses a reserved entry that is no address', () => {
    const config = tokenConfigFromEnv({
      ...minimal,
      SYSTEM_SENDER_ADDRESS: 'notices',
      SYSTEM_SENDERS: 'billing, notices',
      TOKEN_RESERVED_ADDRESSES: 'admin, support',
    });
    expect(config.reservedAddresses).toEqual(['notices', 'billing', 'admin', 'support']);
    expect(() =>
      tokenConfigFromEnv({ ...minimal, TOKEN_RESERVED_ADDRESSES: `ok,${'x'.repeat(300)}` }),
    ).toThrow(/TOKEN_RESERVED_ADDRESSES/);
  });

  it('applies the documented defaults', () => {
    expect(tokenConfigFromEnv(minimal)).toEqual({
      usersTable: 'users',
      appTokenSecretId: 'mesibo/app-token',
      appTokenMaxAgeSeconds: 300,
      addressClaim: 'sub',
      addressPrefix: '',
      appids: ['com.example.app', 'com.example.web'],
      defaultAppid: 'com.example.app',
      expiryMinutes: { default: 525_600, min: 15, max: 525_600 },
      refreshWindow: 0.1,
      leaseMs: 5000,
      reservedAddresses: ['system'],
    });
  });

  it('reads every setting its catalogue entry declares', () => {
    const config = tokenConfigFromEnv({
      ...minimal,
      MESIBO_APP_TOKEN_MAX_AGE_SECONDS: '60',
      TOKEN_ADDRESS_CLAIM: 'email',
      TOKEN_ADDRESS_PREFIX: 'app1:',
      TOKEN_DEFAULT_APPID: 'com.example.web',
      TOKEN_EXPIRY_MINUTES: '1440',
      TOKEN_EXPIRY_MINUTES_MIN: '0',
      TOKEN_EXPIRY_MINUTES_MAX: '10080',
      TOKEN_REFRESH_WINDOW: '0.25',
      TOKEN_LEASE_MS: '3000',
    });
    expect(config).toMatchObject({
      appTokenMaxAgeSeconds: 60,
      addressClaim: 'email',
      addressPrefix: 'app1:',
      defaultAppid: 'com.example.web',
      expiryMinutes: { default: 1440, min: 0, max: 10080 },
      refreshWindow: 0.25,
      leaseMs: 3000,
    });
    expect(functionSpec('issue-user-token').settings.map((s) => s.name)).toEqual(
      expect.arrayContaining(['TOKEN_APPIDS', 'TOKEN_LEASE_MS', 'MESIBO_API_URL']),
    );
  });

  it.each([
    [{ USERS_TABLE: undefined }, 'USERS_TABLE is required'],
    [{ MESIBO_APP_TOKEN_SECRET_ID: ' ' }, 'MESIBO_APP_TOKEN_SECRET_ID is required'],
    [{ TOKEN_APPIDS: undefined }, 'TOKEN_APPIDS is required'],
    [{ TOKEN_APPIDS: ' , ' }, 'TOKEN_APPIDS must list at least one appid'],
    [{ TOKEN_DEFAULT_APPID: 'com.other' }, 'TOKEN_DEFAULT_APPID must be one of TOKEN_APPIDS'],
    [{ TOKEN_REFRESH_WINDOW: '1' }, 'TOKEN_REFRESH_WINDOW must be below 1'],
    [{ TOKEN_LEASE_MS: 'soon' }, 'TOKEN_LEASE_MS must be a number'],
    [{ TOKEN_EXPIRY_MINUTES: '5' }, 'TOKEN_EXPIRY_MINUTES must lie between'],
    [{ TOKEN_EXPIRY_MINUTES_MIN: '100', TOKEN_EXPIRY_MINUTES_MAX: '10' }, 'MIN must not exceed'],
  ])('fails with a message naming the variable (%o)', (change, message) => {
    expect(() => tokenConfigFromEnv({ ...minimal, ...change })).toThrow(message);
  });

  it('never echoes a value in its error', () => {
    expect(() => tokenConfigFromEnv({ ...minimal, TOKEN_LEASE_MS: 'very-secret-looking' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('very-secret-looking') }),
    );
  });
});
