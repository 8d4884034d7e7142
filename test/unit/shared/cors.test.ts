import { describe, expect, it } from 'vitest';
import { isOriginPattern, originAllowed } from '../../../shared/http/cors';

describe('allowOrigins entries', () => {
  it.each(['*', 'https://*', 'http://*', 'https://app.example.com', 'http://127.0.0.1:5173'])(
    'takes %s',
    (pattern) => {
      expect(isOriginPattern(pattern)).toBe(true);
    },
  );

  it.each([
    'https://app.example.com/',
    'https://app.example.com/path',
    'app.example.com',
    'not a url',
    'ftp://files.example.com',
    'http://localhost:*',
    'https://*.example.com',
  ])('refuses %s where HTTP API would', (pattern) => {
    expect(isOriginPattern(pattern)).toBe(false);
  });

  it('takes any port of one host only where the local gateway is asked to', () => {
    expect(isOriginPattern('http://localhost:*', { anyPort: true })).toBe(true);
    expect(isOriginPattern('http://localhost:8080:*', { anyPort: true })).toBe(false);
    expect(isOriginPattern('https://*.example.com:*', { anyPort: true })).toBe(false);
    expect(originAllowed('http://localhost:8080', ['http://localhost:*'])).toBe(true);
    expect(originAllowed('http://localhost.evil.example', ['http://localhost:*'])).toBe(false);
  });
});
