import { describe, expect, it } from 'vitest';
import { mesiboOptionsFromEnv } from '../../../shared/mesibo/env';

describe('mesiboOptionsFromEnv', () => {
  it('defaults to the JSON API at api.mesibo.com', () => {
    expect(mesiboOptionsFromEnv({})).toEqual({ style: 'json', baseUrl: 'https://api.mesibo.com/backend/' });
    expect(mesiboOptionsFromEnv({ MESIBO_API_STYLE: '', MESIBO_API_URL: ' ' })).toEqual({
      style: 'json',
      baseUrl: 'https://api.mesibo.com/backend/',
    });
  });

  it('defaults the legacy style to api.php', () => {
    expect(mesiboOptionsFromEnv({ MESIBO_API_STYLE: 'legacy' })).toEqual({
      style: 'legacy',
      baseUrl: 'https://api.mesibo.com/api.php',
    });
  });

  it('takes an explicit URL', () => {
    expect(mesiboOptionsFromEnv({ MESIBO_API_URL: 'http://127.0.0.1:3100/backend/' }).baseUrl).toBe(
      'http://127.0.0.1:3100/backend/',
    );
  });

  it('names every bad variable in one message', () => {
    expect(() => mesiboOptionsFromEnv({ MESIBO_API_STYLE: 'xml', MESIBO_API_URL: 'ftp://x' })).toThrow(
      /invalid mesibo configuration: MESIBO_API_STYLE must be 'json' or 'legacy'; MESIBO_API_URL must be an absolute http\(s\) URL/,
    );
    expect(() => mesiboOptionsFromEnv({ MESIBO_API_URL: 'not a url' })).toThrow(/MESIBO_API_URL/);
  });
});
