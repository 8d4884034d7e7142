/**
 * Reads the mesibo endpoint settings from the environment once, at cold start. The app token is not
 * here on purpose: it comes from Secrets Manager through an AppTokenSource.
 */

import { unlessBlank } from '../config/env';
import * as z from '../zod';
import { DEFAULT_BASE_URL, type MesiboApiStyle } from './options';

/** The mesibo endpoint's variables, read by every function that calls mesibo. */
export const MESIBO_ENDPOINT_ENV_SCHEMA = z.object({
  MESIBO_API_STYLE: unlessBlank(
    z._default(z.enum(['json', 'legacy'], { error: "must be 'json' or 'legacy'" }), 'json'),
  ),
  MESIBO_API_URL: unlessBlank(
    z.optional(z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' })),
  ),
});

export interface MesiboEndpoint {
  baseUrl: string;
  style: MesiboApiStyle;
}

/** Throws one readable error naming every bad variable (and never echoing more than the variable name). */
export const mesiboOptionsFromEnv = (
  env: Record<string, string | undefined> = process.env,
): MesiboEndpoint => {
  const parsed = MESIBO_ENDPOINT_ENV_SCHEMA.safeParse({
    MESIBO_API_STYLE: env.MESIBO_API_STYLE,
    MESIBO_API_URL: env.MESIBO_API_URL,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new Error(`invalid mesibo configuration: ${problems.join('; ')}`);
  }
  const style = parsed.data.MESIBO_API_STYLE;
  return { style, baseUrl: parsed.data.MESIBO_API_URL ?? DEFAULT_BASE_URL[style] };
};
