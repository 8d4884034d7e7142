/**
 * Request bodies of the token routes. Strict: an unknown field is a 400, not silently ignored. The
 * allowed appids and lifetimes come from config, so the schemas are built once per container.
 */

import type { TokenConfig } from '../../shared/user-tokens/config';
import * as z from '../../shared/zod';

export const requestSchemas = (config: TokenConfig) => {
  const appid = z.optional(
    z
      .string()
      .check(
        z.refine((v) => config.appids.includes(v), { error: `must be one of: ${config.appids.join(', ')}` }),
      ),
  );
  const { min, max } = config.expiryMinutes;
  return {
    /** `POST /v1/users/me/token`: the caller may only choose the app. */
    self: z.strictObject({ appid }),
    /** `POST /v1/users/{address}/token`: a signup backend may also name the user and bound the lifetime. */
    backend: z.strictObject({
      appid,
      name: z.optional(
        z
          .string()
          .check(
            z.trim(),
            z.minLength(1, 'must not be empty'),
            z.maxLength(100, 'must be at most 100 characters'),
          ),
      ),
      expiryMinutes: z.optional(
        // The type's own message first: z.int's error would answer a non-number too.
        z
          .number({ error: 'must be a number of minutes' })
          .check(
            z.int('must be a whole number of minutes'),
            z.gte(min, `must be at least ${min}`),
            z.lte(max, `must be at most ${max}`),
          ),
      ),
    }),
  };
};

export type RequestSchemas = ReturnType<typeof requestSchemas>;
