/**
 * Keeps credentials out of anything the client emits. Upstream text (an envelope's `cause`, a socket
 * error message) is copied into errors, so every copied string passes through here first.
 */
export const REDACTED = '[REDACTED]';

export class SecretScrubber {
  readonly #needles = new Set<string>();

  /** Registers a secret in its raw, URL-encoded and JSON-escaped spellings (how it can leak back). */
  add(secret: string): void {
    if (secret === '') return;
    this.#needles.add(secret);
    this.#needles.add(encodeURIComponent(secret));
    this.#needles.add(new URLSearchParams({ s: secret }).toString().slice(2));
    this.#needles.add(JSON.stringify(secret).slice(1, -1));
  }

  scrub(text: string): string;
  scrub(text: string | undefined): string | undefined;
  scrub(text: string | undefined): string | undefined {
    if (text === undefined) return undefined;
    let out = text;
    // Longest first, so a spelling that contains another is replaced whole.
    for (const needle of [...this.#needles].sort((a, b) => b.length - a.length)) {
      out = out.split(needle).join(REDACTED);
    }
    return out;
  }
}
