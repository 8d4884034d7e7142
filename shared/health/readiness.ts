/**
 * Readiness: whether the deployment's secrets are set, never what they hold. The answer is cached per
 * container for `cacheMs`, and concurrent checks share one evaluation, so the public, unauthenticated
 * deep health route costs at most two Secrets Manager reads per container per window.
 */
import type { Clock, SecretSource } from '../ports';
import { isAppTokenPlaceholder } from '../secrets/app-token';

export const READINESS_CACHE_MS = 30_000;

export type AppTokenState = 'set' | 'placeholder' | 'unreadable';
/** `invalid`: readable, but not the `{"current": ...}` JSON the webhook route needs. */
export type WebhookSecretState = 'set' | 'invalid' | 'unreadable';

export interface Readiness {
  status: 'ok' | 'not-ready';
  secrets: { mesiboAppToken: AppTokenState; webhook: WebhookSecretState };
}

export interface ReadinessLog {
  warn(message: string, extra: Record<string, unknown>): void;
}

export interface ReadinessDeps {
  appToken: SecretSource;
  webhook: SecretSource;
  clock: Clock;
  logger: ReadinessLog;
  cacheMs?: number;
}

/** Only the error's name and message (SDK errors name the secret, never its value) reach the log. */
const reason = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : 'unknown error');

export const readinessCheck = (deps: ReadinessDeps): (() => Promise<Readiness>) => {
  const cacheMs = deps.cacheMs ?? READINESS_CACHE_MS;
  let cached: { at: number; value: Readiness } | undefined;
  let inFlight: Promise<Readiness> | undefined;

  // Read afresh each window: a secret just set must show as set within it, not after the source's cache age.
  const read = async (source: SecretSource, which: string): Promise<string | undefined> => {
    try {
      return await source({ forceRefresh: true });
    } catch (e) {
      deps.logger.warn('readiness: secret unreadable', { which, reason: reason(e) });
      return undefined;
    }
  };

  const evaluate = async (): Promise<Readiness> => {
    const [appToken, webhook] = await Promise.all([
      read(deps.appToken, 'mesiboAppToken'),
      read(deps.webhook, 'webhook'),
    ]);
    const mesiboAppToken: AppTokenState =
      appToken === undefined || appToken.trim() === ''
        ? 'unreadable'
        : isAppTokenPlaceholder(appToken)
          ? 'placeholder'
          : 'set';
    let webhookState: WebhookSecretState = 'unreadable';
    if (webhook !== undefined) {
      // Loaded here, not at init: liveness never needs the parser (or zod behind it).
      const { parseWebhookSecrets } = await import('../webhook/secrets');
      try {
        parseWebhookSecrets(webhook);
        webhookState = 'set';
      } catch {
        webhookState = 'invalid';
      }
    }
    const ready = mesiboAppToken === 'set' && webhookState === 'set';
    return { status: ready ? 'ok' : 'not-ready', secrets: { mesiboAppToken, webhook: webhookState } };
  };

  return () => {
    if (cached && deps.clock.now() - cached.at < cacheMs) return Promise.resolve(cached.value);
    inFlight ??= evaluate()
      .then((value) => {
        cached = { at: deps.clock.now(), value };
        return value;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
};
