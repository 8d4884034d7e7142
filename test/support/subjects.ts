/**
 * Real identity formats a mesibo address comes from: IdP subjects as each provider writes them, phone
 * numbers, e-mail addresses and display names in several scripts. Every one must be accepted as is.
 */
export const REAL_SUBJECTS: readonly (readonly [kind: string, subject: string])[] = [
  ['Auth0 database user', 'auth0|64f1c2a9e4b0d5f6a7b8c9d0'],
  ['Google via Auth0', 'google-oauth2|103456789012345678901'],
  ['Auth0 passwordless SMS', 'sms|64f1c2a9e4b0d5f6a7b8c9d1'],
  ['Cognito (UUID)', '3f8e1c2a-9b7d-4e6f-a1b2-c3d4e5f60718'],
  ['Firebase uid', 'kS2vB9xQ7ZcT4mN1pL8rW3yH6jF0'],
  ['Google (numeric)', '103456789012345678901'],
  ['Apple', '001234.5f3a9c2e8b7d4f1a0e6c3b9d2a7f5e81.1234'],
  ['Okta', '00u1abcd2EFGH3ijk4l5'],
  ['Microsoft Entra ID', 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ'],
  ['E.164 phone', '+4915112345678'],
  ['e-mail', 'ana.maria+chat@example.co.uk'],
  ['Latin name with a space', 'Ana María'],
  ['Arabic name', 'فاطمة الزهراء'],
  ['Chinese name', '王小明'],
  ['Japanese name', '山田太郎'],
  ['an emoji (a surrogate pair)', 'fox 🦊'],
];
