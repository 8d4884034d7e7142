/**
 * What the console keeps passes through here first: the known secret values (the mesibo app token,
 * the webhook signing secrets) are replaced wherever they appear, and JSON values under keys that can
 * hold credentials are replaced as the product's own logger does, so neither a log line, an error nor
 * a request body can put a secret on the page.
 */
import { REDACTED, redactingReplacer } from '../../shared/observability/logger';
import { SIGNATURE_HEADER } from '../../shared/webhook/signature';

export { REDACTED };

export type Redactor = (text: string) => string;

/** Secrets shorter than this are not looked for: they would blank out ordinary words. */
const MIN_SECRET_LENGTH = 8;

export const secretRedactor = (secrets: readonly (string | undefined)[]): Redactor => {
  // Longest first, so a secret that contains another is replaced whole.
  const known = [...new Set(secrets)]
    .filter((s): s is string => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const secret of known) if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
    return out;
  };
};

/** A copy of a JSON-able value with every string passed through `redact` (event, error details). */
export const redactDeep = (value: unknown, redact: Redactor): unknown =>
  value === undefined ? undefined : JSON.parse(redact(JSON.stringify(value)));

/** A request body as the console shows it: cut to `max` characters, credentials and secrets replaced. */
export const bodyPreview = (body: Buffer, redact: Redactor, max = 2048): string | undefined => {
  if (body.length === 0) return undefined;
  const text = body.toString('utf8');
  let shown: string;
  try {
    shown = JSON.stringify(JSON.parse(text), redactingReplacer);
  } catch {
    shown = text;
  }
  // Secrets are replaced before the cut, so a cut cannot leave part of one behind.
  const safe = redact(shown);
  return safe.length > max ? `${safe.slice(0, max)}…` : safe;
};

/** Request headers that carry a caller's credential: a JWT, a SigV4 signature or session, a webhook signature. */
const CREDENTIAL_HEADERS = ['authorization', 'x-amz-security-token', SIGNATURE_HEADER];

/** An HTTP event (payload 2.0, lower-case header names) with its credential headers replaced. */
export const withoutCredentialHeaders = (event: unknown): unknown => {
  const headers = (event as { headers?: Record<string, string> } | null)?.headers;
  if (!headers) return event;
  const redacted = { ...headers };
  for (const name of CREDENTIAL_HEADERS) if (name in redacted) redacted[name] = REDACTED;
  return { ...(event as object), headers: redacted };
};
