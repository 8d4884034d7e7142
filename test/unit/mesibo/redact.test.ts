import { describe, expect, it } from 'vitest';
import { REDACTED, SecretScrubber } from '../../../shared/mesibo/redact';

describe('SecretScrubber', () => {
  const secret = 'ab+c/d e"f';
  const scrubber = new SecretScrubber();
  scrubber.add(secret);

  it.each([
    ['raw', `token=${secret}!`],
    ['URL-encoded', `token=${encodeURIComponent(secret)}!`],
    ['form-encoded', `token=${new URLSearchParams({ s: secret }).toString().slice(2)}!`],
    ['JSON-escaped', `{"token":${JSON.stringify(secret)}}`],
  ])('removes the %s spelling', (_name, text) => {
    const out = scrubber.scrub(text);
    expect(out).toContain(REDACTED);
    expect(out).not.toContain('ab+c');
    expect(out).not.toContain('ab%2Bc');
  });

  it('passes undefined and unrelated text through', () => {
    expect(scrubber.scrub(undefined)).toBeUndefined();
    expect(scrubber.scrub('nothing here')).toBe('nothing here');
  });
});
