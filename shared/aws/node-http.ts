/**
 * Stands in for `node:http` in the Lambda bundles (infra/bundling.ts aliases it here). On Node 24 an
 * ESM import of node:http reads every export, and its lazy WebSocket exports load undici: about 20 ms
 * of a cold start for modules that only want `request` or `Agent` (the tracer's http patcher, the
 * mesibo client). The CommonJS module from `process.getBuiltinModule` has the same exports, read only
 * when used; the WebSocket ones are left out.
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
