import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, REDACTED } from '../../../shared/observability/logger';

describe('createLogger', () => {
  afterEach(() => vi.restoreAllMocks());

  it('replaces values under credential-like keys at any depth', () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const logger = createLogger('test');
    logger.info('issued', {
      user: { address: 'alice', token: 'user-token-value' },
      appToken: 'app-token-value',
      headers: { 'x-mesibo-signature': 't=1,v1=abc', authorization: 'Bearer xyz' },
      webhookSecret: 'whsec',
    });
    const out = lines.join('');
    expect(out).toContain('alice');
    for (const secret of ['user-token-value', 'app-token-value', 't=1,v1=abc', 'Bearer xyz', 'whsec']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain(REDACTED);
  });
});
