import { describe, expect, it } from 'vitest';
import { parseWebhookSecrets, webhookSecretsLoader } from '../../../shared/webhook/secrets';
import { fixedClock } from './fakes';

const A = 'a'.repeat(20);
const B = 'b'.repeat(20);

describe('webhook secrets', () => {
  it('reads {"current","previous"}, newest first; previous is optional', () => {
    expect(parseWebhookSecrets(JSON.stringify({ current: A, previous: B }))).toEqual([A, B]);
    expect(parseWebhookSecrets(JSON.stringify({ current: A }))).toEqual([A]);
    expect(parseWebhookSecrets(JSON.stringify({ current: A, previous: A }))).toEqual([A]);
  });

  it('fails with a message that never contains the value', () => {
    for (const bad of [
      'not json sekrit-value',
      JSON.stringify({ current: 'short' }),
      JSON.stringify({ previous: A }),
    ]) {
      expect(() => parseWebhookSecrets(bad)).toThrow();
      try {
        parseWebhookSecrets(bad);
      } catch (e) {
        expect(String(e)).not.toContain('sekrit-value');
        expect(String(e)).not.toContain('short');
      }
    }
  });

  it('refreshes after a mismatch at most once per cooldown', async () => {
    const clock = fixedClock();
    const calls: (boolean | undefined)[] = [];
    let value = JSON.stringify({ current: A });
    const loader = webhookSecretsLoader(
      async (o) => {
        calls.push(o?.forceRefresh);
        return value;
      },
      { clock, refreshCooldownMs: 60_000 },
    );
    expect(await loader.load()).toEqual([A]);
    value = JSON.stringify({ current: B, previous: A });
    expect(await loader.refreshAfterMismatch()).toEqual([B, A]);
    expect(await loader.refreshAfterMismatch()).toBeUndefined();
    clock.advance(60_000);
    expect(await loader.refreshAfterMismatch()).toEqual([B, A]);
    expect(calls).toEqual([undefined, true, true]);
  });
});
