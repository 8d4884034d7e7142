/**
 * The one address rule, for user tokens, group members, message senders and recipients, and the
 * mesibo client itself. mesibo treats an address as an opaque string, so any text is accepted except
 * what cannot travel unambiguously: nothing, only whitespace, control characters (NUL included, which
 * truncates C strings and breaks logs), lone surrogates (no UTF-8 form: the bytes mesibo receives
 * would not be the address asked for), a comma (mesibo's separator in `to` and member lists: one
 * address would become several) and more than MAX_ADDRESS_BYTES of UTF-8.
 */
import * as z from '../zod';

/**
 * mesibo publishes no address limit. 256 bytes holds any real identity: the longest e-mail address
 * (254 octets), IdP subjects (Auth0 `provider|id` and Apple's ~44 characters), a phone number, a
 * name of 60+ characters in any script, with room for a short prefix. It also bounds what one address
 * adds to a 50-recipient `to` list and to a DynamoDB key. Counted in UTF-8 because that is what goes
 * on the wire, after any configured prefix.
 */
export const MAX_ADDRESS_BYTES = 256;

const CONTROL = /\p{Cc}/u;
/** With the `u` flag a valid pair is one code point, so this matches only an unpaired half. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

const codePoint = (ch: string) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Why `address` cannot be a mesibo address, or undefined when it can. */
export const addressProblem = (address: string): string | undefined => {
  if (address === '') return 'must not be empty';
  if (address.trim() === '') return 'must not be only whitespace';
  const control = CONTROL.exec(address);
  if (control)
    return `must not contain control characters (${codePoint(control[0])} at index ${control.index})`;
  if (LONE_SURROGATE.test(address)) return 'must not contain a lone UTF-16 surrogate (it has no UTF-8 form)';
  if (address.includes(',')) return 'must not contain a comma (mesibo separates addresses with commas)';
  const bytes = Buffer.byteLength(address, 'utf8');
  if (bytes > MAX_ADDRESS_BYTES)
    return `must be at most ${MAX_ADDRESS_BYTES} bytes in UTF-8 (this one is ${bytes})`;
  return undefined;
};

export const addressSchema = z.string({ error: 'must be a string' }).check(
  z.superRefine((address, ctx) => {
    const message = addressProblem(address);
    if (message) ctx.addIssue({ code: 'custom', message });
  }),
  // What the custom check means, for the generated OpenAPI document (UTF-16 units ≤ UTF-8 bytes).
  z.meta({
    description: `A mesibo address: any text of at most ${MAX_ADDRESS_BYTES} UTF-8 bytes, not blank, without commas, control characters or lone surrogates`,
    minLength: 1,
    maxLength: MAX_ADDRESS_BYTES,
  }),
);

/** A caller handed the mesibo client an address the rule refuses: a bug upstream, caught before the wire. */
export class InvalidAddressError extends Error {
  override readonly name = 'InvalidAddressError';
  constructor(
    readonly op: string,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`mesibo ${op}: ${field} ${reason}`);
  }
}
