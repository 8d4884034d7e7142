/**
 * The mesibo app token as the functions read it. The stack creates its secret with a placeholder, a
 * JSON SecretString marked `"placeholder": true`, which no mesibo token can look like (a token is a
 * plain string). Until an operator sets the real token, every read raises AppTokenUnsetError instead
 * of handing mesibo a value it would refuse with AUTHFAIL, and the function logs once what to run.
 */
import type { SecretSource } from '../ports';
import { secretLocation, stageOfAppTokenSecret } from './names';

/** `generateSecretString` of the stack's app-token secret: a marked template, the random part under `random`. */
export const APP_TOKEN_PLACEHOLDER = {
  secretStringTemplate: JSON.stringify({ placeholder: true }),
  generateStringKey: 'random',
} as const;

export const APP_TOKEN_UNSET_CODE = 'mesibo-app-token-unset';

export const isAppTokenPlaceholder = (value: string): boolean => {
  if (!value.trimStart().startsWith('{')) return false;
  try {
    const data: unknown = JSON.parse(value);
    return (
      typeof data === 'object' && data !== null && (data as { placeholder?: unknown }).placeholder === true
    );
  } catch {
    return false;
  }
};

/** The commands that set the secret, for the log line and the runbook (never a value). */
export const setAppTokenCommands = (secretId: string): string[] => {
  const { name, region } = secretLocation(secretId);
  const stage = stageOfAppTokenSecret(name);
  return [
    ...(stage ? [`npm run set-secrets -- -c stage=${stage}`] : []),
    `aws secretsmanager put-secret-value${region ? ` --region ${region}` : ''} --secret-id ${name} --secret-string file://mesibo-app-token.txt`,
  ];
};

/** Nothing was sent to mesibo: callers answer 503 or fail their invocation, so the work is retried later. */
export class AppTokenUnsetError extends Error {
  override readonly name = 'AppTokenUnsetError';
  readonly code = APP_TOKEN_UNSET_CODE;
  constructor(readonly secretName: string) {
    super(`the mesibo app token is not set: secret ${secretName} still holds its placeholder`);
  }
}

export interface AppTokenLog {
  error(message: string, extra: Record<string, unknown>): void;
}

/** While the placeholder is seen, how often the secret is read afresh, so a token just set is picked up. */
export const PLACEHOLDER_RECHECK_MS = 30_000;

export interface AppTokenSourceOptions {
  secretId: string;
  logger: AppTokenLog;
  recheckMs?: number;
  now?: () => number;
}

/**
 * Wraps the app token's SecretSource: surrounding whitespace (a trailing newline from a file) is
 * dropped, and the placeholder raises AppTokenUnsetError, logged once until a real value is seen.
 * The placeholder is not kept for the source's whole cache age: it is read again every `recheckMs`.
 */
export const appTokenSource = (
  source: SecretSource,
  { secretId, logger, recheckMs = PLACEHOLDER_RECHECK_MS, now = Date.now }: AppTokenSourceOptions,
): SecretSource => {
  const { name } = secretLocation(secretId);
  let reported = false;
  let placeholderReadAt: number | undefined;
  return async (options) => {
    const recheck = placeholderReadAt !== undefined && now() - placeholderReadAt >= recheckMs;
    const value = (await source(recheck ? { forceRefresh: true } : options)).trim();
    if (!isAppTokenPlaceholder(value)) {
      reported = false;
      placeholderReadAt = undefined;
      return value;
    }
    if (placeholderReadAt === undefined || recheck || options?.forceRefresh) placeholderReadAt = now();
    if (!reported) {
      reported = true;
      // Key names avoid the logger's redaction (token|secret): the name and commands are not secret.
      logger.error(
        `mesibo app token not set: ${name} still holds the placeholder the stack created, so no mesibo call is made. Set it with: ${setAppTokenCommands(secretId).join('  or  ')}`,
        { code: APP_TOKEN_UNSET_CODE, runbook: 'docs/operations.md#mesibo-app-token-unset' },
      );
    }
    throw new AppTokenUnsetError(name);
  };
};

/** For work that must not start without mesibo (a batch, a schedule): throws AppTokenUnsetError first. */
export const requireAppToken =
  (source: SecretSource): (() => Promise<void>) =>
  async () => {
    await source();
  };
