/**
 * A function's settings, read straight from the schemas its config module parses the environment
 * with: the catalogue declares them once, and the CDK stack, the local stack and the docs read that.
 */
import * as z from './zod';

export interface Setting {
  name: string;
  /** Unset (or blank) fails the cold start. */
  required: boolean;
  /** What the function uses when it is unset, as an environment value; absent: derived at run time. */
  default?: string;
}

const asEnvValue = (value: unknown): string | undefined => {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.join(',');
  return String(value);
};

/** The settings a config schema reads, required when it refuses them unset, else with the default it applies. */
export const settingsOf = (...schemas: { shape: Record<string, z.core.$ZodType> }[]): Setting[] =>
  schemas.flatMap((schema) =>
    Object.entries(schema.shape).map(([name, field]) => {
      const unset = z.safeParse(field, undefined);
      if (!unset.success) return { name, required: true };
      const fallback = asEnvValue(unset.data);
      return fallback === undefined
        ? { name, required: false }
        : { name, required: false, default: fallback };
    }),
  );

/** Settings read without a schema (a function that must not load zod): each one required. */
export const requiredSettings = (names: readonly string[]): Setting[] =>
  names.map((name) => ({ name, required: true }));

/** Variables a function may receive beside its declared settings: the runtime's and Powertools' own. */
export const isPlatformVariable = (name: string): boolean =>
  name === 'NODE_OPTIONS' || name.startsWith('POWERTOOLS_');

/** Only the variables a function reads: its declared settings and the platform's. */
export const onlySettingsOf = (
  settings: readonly Setting[],
  env: Record<string, string | undefined>,
): Record<string, string | undefined> => {
  const declared = new Set(settings.map((s) => s.name));
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => declared.has(name) || isPlatformVariable(name)),
  );
};
