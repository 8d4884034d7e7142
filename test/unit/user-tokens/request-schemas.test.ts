/** The token routes' request bodies: each refusal names its field with the message the docs promise. */
import { describe, expect, it } from 'vitest';
import { requestSchemas } from '../../../functions/issue-user-token/schema';
import { tokenConfigFromEnv } from '../../../shared/user-tokens/config';

const { self, backend } = requestSchemas(
  tokenConfigFromEnv({
    USERS_TABLE: 'users',
    MESIBO_APP_TOKEN_SECRET_ID: 'app-token',
    TOKEN_APPIDS: 'com.example.app,web',
    TOKEN_EXPIRY_MINUTES: '1440',
    TOKEN_EXPIRY_MINUTES_MIN: '15',
    TOKEN_EXPIRY_MINUTES_MAX: '10080',
  }),
);

const refusal = (schema: typeof backend | typeof self, body: unknown) =>
  schema.safeParse(body).error?.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));

describe('token request bodies', () => {
  it('accepts what the docs show, trimming the name', () => {
    expect(backend.safeParse({ appid: 'web', name: ' Bob ', expiryMinutes: 60 }).data).toEqual({
      appid: 'web',
      name: 'Bob',
      expiryMinutes: 60,
    });
    expect(self.safeParse({}).data).toEqual({});
  });

  it.each([
    [{ expiryMinutes: '30' }, 'must be a number of minutes'],
    [{ expiryMinutes: null }, 'must be a number of minutes'],
    [{ expiryMinutes: 30.5 }, 'must be a whole number of minutes'],
    [{ expiryMinutes: 14 }, 'must be at least 15'],
    [{ expiryMinutes: 10081 }, 'must be at most 10080'],
  ])('refuses %j: %s', (body, message) => {
    expect(refusal(backend, body)).toEqual([{ path: 'expiryMinutes', message }]);
  });

  it('refuses a blank name, an appid not configured and unknown fields, in English', () => {
    expect(refusal(backend, { name: '   ' })).toEqual([{ path: 'name', message: 'must not be empty' }]);
    expect(refusal(self, { appid: 'other' })).toEqual([
      { path: 'appid', message: 'must be one of: com.example.app, web' },
    ]);
    expect(refusal(self, { appid: 7 })).toEqual([
      { path: 'appid', message: 'Invalid input: expected string, received number' },
    ]);
    expect(refusal(self, { name: 'Bob' })).toEqual([{ path: '', message: 'Unrecognized key: "name"' }]);
  });
});
