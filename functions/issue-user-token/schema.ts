/**
 * Request bodies of the token routes. Strict: an unknown field is a 400, not silently ignored. The
 * allowed appids and lifetimes come from config, so the schemas are built once per container.
 */
import * as z from 'zod';
import type { TokenConfig } from '../../shared/user-tokens/config';

export const requestSchemas = (config: TokenConfig) => {
  const appid = z
    .string()
    .refine((v) => config.appids.includes(v), { error: `must be one of: ${config.appids.join(', ')}` });
  const { min, max } = config.expiryMinutes;
  return {
    /** `POST /v1/users/me/token`: the caller may only choose the app. */
    self: z.strictObject({ appid: appid.optional() }),
    /** `POST /v1/users/{address}/token`: a signup backend may also name the user and bound the lifetime. */
    backend: z.strictObject({
      appid: appid.optional(),
      name: z
        .string()
        .trim()
        .min(1, 'must not be empty')
        .max(100, 'must be at most 100 characters')
        .optional(),
      expiryMinutes: z
        .number({ error: 'must be a number of minutes' })
        .int('must be a whole number of minutes')
        .min(min, `must be at least ${min}`)
        .max(max, `must be at most ${max}`)
        .optional(),
    }),
  };
};

export type RequestSchemas = ReturnType<typeof requestSchemas>;
