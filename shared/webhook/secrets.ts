/**
 * The active webhook signing secrets. The stored SecretString is JSON `{"current": "...", "previous": "..."}`
 * (`previous` optional), so a rotation is: write the new value as `current` and the old one as
 * `previous`, then switch the sender; both verify meanwhile.
 */

import type { Clock, SecretSource } from '../ports';
import * as z from '../zod';

const SecretPairSchema = z.object({
  current: z.string().check(z.minLength(16)),
  previous: z.optional(z.string().check(z.minLength(16))),
});

/** Active secrets, newest first. */
export type WebhookSecrets = readonly string[];

export const parseWebhookSecrets = (secretString: string): WebhookSecrets => {
  let data: unknown;
  try {
    data = JSON.parse(secretString);
  } catch {
    // The message never includes the value.
    throw new Error('webhook secret is not JSON; expected {"current":"...","previous":"..."}');
  }
  const parsed = SecretPairSchema.safeParse(data);
  if (!parsed.success) {
    throw new Error(
      'webhook secret must be {"current":"<at least 16 chars>","previous":"<optional, at least 16 chars>"}',
    );
  }
  const { current, previous } = parsed.data;
  return previous && previous !== current ? [current, previous] : [current];
};

export interface WebhookSecretsLoader {
  /** The cached secrets (the SecretSource caches in memory). */
  load(): Promise<WebhookSecrets>;
  /**
   * Fresh secrets after a signature mismatch, at most once per cooldown; otherwise undefined.
   * The cooldown keeps forged requests from turning into one Secrets Manager call each.
   */
  refreshAfterMismatch(): Promise<WebhookSecrets | undefined>;
}

export const DEFAULT_REFRESH_COOLDOWN_MS = 60_000;

export const webhookSecretsLoader = (
  source: SecretSource,
  options: { clock: Clock; refreshCooldownMs?: number },
): WebhookSecretsLoader => {
  const cooldown = options.refreshCooldownMs ?? DEFAULT_REFRESH_COOLDOWN_MS;
  let lastRefreshAt = Number.NEGATIVE_INFINITY;
  return {
    load: async () => parseWebhookSecrets(await source()),
    refreshAfterMismatch: async () => {
      const now = options.clock.now();
      if (now - lastRefreshAt < cooldown) return undefined;
      lastRefreshAt = now;
      return parseWebhookSecrets(await source({ forceRefresh: true }));
    },
  };
};
