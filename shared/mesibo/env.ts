/**
 * Reads the mesibo endpoint settings from the environment once, at cold start. The app token is not
 * here on purpose: it comes from Secrets Manager through an AppTokenSource.
 */
import * as z from 'zod';
import { DEFAULT_BASE_URL, type MesiboApiStyle } from './options';

const blankAsUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/** The mesibo endpoint's variables, read by every function that calls mesibo. */
export const MESIBO_ENDPOINT_ENV_SCHEMA = z.object({
  MESIBO_API_STYLE: z.preprocess(
    blankAsUndefined,
    z.enum(['json', 'legacy'], { error: "must be 'json' or 'legacy'" }).default('json'),
  ),
  MESIBO_API_URL: z.preprocess(
    blankAsUndefined,
    z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' }).optional(),
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
