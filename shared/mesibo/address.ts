/**
 * What mesibo accepts as a user address: the one rule for tokens, group members and message
 * recipients. Checked before any write or mesibo call, so a bad address is a 400 naming the field
 * rather than a mesibo BADVALUE after the fact. It also keeps commas (mesibo's list separator) out.
 */
import * as z from 'zod';

export const MAX_ADDRESS_LENGTH = 64;
const ADDRESS_CHARS = /^[A-Za-z0-9_.@+\-:]+$/;

export const addressSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_ADDRESS_LENGTH, `must be at most ${MAX_ADDRESS_LENGTH} characters`)
  .regex(ADDRESS_CHARS, 'may contain only letters, digits and _ . @ + - :');

/** The reason an address is not acceptable, or undefined when it is. */
export const addressProblem = (address: string): string | undefined => {
  const result = addressSchema.safeParse(address);
  return result.success ? undefined : result.error.issues[0]?.message;
};
