/** What a bundle's text shows of the modules it carries, for tests that inspect built bundles. */

/** A setting only the SSO provider of the SDK's default credential chain reads. */
export const DEFAULT_CREDENTIAL_CHAIN = 'sso_start_url';

/** An ESM import of node:http, static or dynamic (on Node 24 it loads undici). */
export const NODE_HTTP_IMPORT = /\bfrom\s*["'](?:node:)?http["']|\bimport\(\s*["'](?:node:)?http["']\s*\)/g;
