/**
 * How a function is bundled: one definition for the stack's NodejsFunction bundling and for the
 * cold-start benchmark, so what is measured is what is deployed.
 */
import type { BuildOptions } from 'esbuild';

export const BUNDLE_TARGET = 'node24';

/** ESM needs a real `require` for the few CommonJS dependencies that call it at run time. */
export const REQUIRE_SHIM =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

export const MAIN_FIELDS = ['module', 'main'];

/**
 * Modules swapped for lighter ones in the Lambda bundles, as paths relative to the repository root
 * (esbuild resolves them from its working directory, the root, in both builds). The SDK's default
 * credential chain becomes the environment provider, the only one that answers on Lambda.
 */
export const ALIASES: Record<string, string> = {
  '@aws-sdk/credential-provider-node': './shared/aws/lambda-credentials.ts',
};

/** The same options as esbuild build options (the SDK is bundled: nothing is external). */
export const BUNDLING: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: BUNDLE_TARGET,
  mainFields: MAIN_FIELDS,
  banner: { js: REQUIRE_SHIM },
  alias: ALIASES,
  minify: true,
  sourcemap: true,
  sourcesContent: false,
};
