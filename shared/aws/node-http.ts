/**
 * Stands in for `node:http` in the Lambda bundles (infra/bundling.ts aliases it here). On Node 24 an
 * ESM import of node:http reads every export, and its lazy WebSocket exports load undici: about 30 ms
 * of a cold start for modules that only want `request` or `Agent` (Powertools Tracer's provider, the
 * mesibo client, the SDK's http handler). The CommonJS module from `process.getBuiltinModule` is
 * re-exported as the default and under the names bundled code uses, read only when used; a bundle
 * that imports another name by name fails to build.
 */
const http = process.getBuiltinModule('node:http');

export default http;
export const {
  Agent,
  ClientRequest,
  IncomingMessage,
  METHODS,
  OutgoingMessage,
  STATUS_CODES,
  Server,
  ServerResponse,
  createServer,
  get,
  globalAgent,
  maxHeaderSize,
  request,
  setMaxIdleHTTPParsers,
  validateHeaderName,
  validateHeaderValue,
} = http;
