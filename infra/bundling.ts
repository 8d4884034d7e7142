/**
 * How a function is bundled: one definition for the stack's Lambda assets and for the cold-start
 * benchmark, so what is measured is what is deployed.
 */
import type { BuildOptions } from 'esbuild';

export const BUNDLE_TARGET = 'node24';

/** ESM needs a real `require` for the few CommonJS dependencies that call it at run time. */
export const REQUIRE_SHIM =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

export const MAIN_FIELDS = ['module', 'main'];

/** The Lambda handler module; the stack's handler setting is `index.handler`. */
export const ENTRY_FILE = 'index.mjs';

/**
 * Modules swapped for lighter ones in the Lambda bundles, as paths relative to the repository root
 * (esbuild resolves them from its working directory, the root, in both builds). The SDK's default
 * credential chain becomes the environment provider, the only one that answers on Lambda, and
 * node:http its CommonJS module, which does not load undici.
 */
export const ALIASES: Record<string, string> = {
  '@aws-sdk/credential-provider-node': './shared/aws/lambda-credentials.ts',
  'node:http': './shared/aws/node-http.ts',
  http: './shared/aws/node-http.ts',
};

/**
 * The esbuild options (the SDK is bundled: nothing is external). Code splitting puts every dynamic
 * `import()` (a cache miss's clients, a deep health check's, the SDK's own optional parts) in a chunk
 * of its own, so a cold start parses only what its path loads.
 */
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
  splitting: true,
  outExtension: { '.js': '.mjs' },
  chunkNames: '[name]-[hash]',
};

/** The build of one function (or of any entry bundled the same way) into `outdir`. */
export const bundleOptions = (input: {
  entry: string | { contents: string; sourcefile: string };
  outdir: string;
  root: string;
}): BuildOptions => ({
  ...BUNDLING,
  absWorkingDir: input.root,
  ...(typeof input.entry === 'string'
    ? { entryPoints: { index: input.entry } }
    : {
        stdin: { ...input.entry, resolveDir: input.root, loader: 'js' as const },
        entryNames: 'index',
      }),
  outdir: input.outdir,
  logLevel: 'silent',
});
