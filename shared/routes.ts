/**
 * The one route table. The CDK stack (infra/) and the local gateway (local/) both build their HTTP
 * API from it, and a test keeps docs/openapi.json in step with it.
 */
import type { FunctionName } from './functions';

export type AuthKind =
  /** End-user JWT, verified by the API Gateway JWT authorizer (locally: against the dev key set). */
  | 'jwt'
  /** AWS IAM (SigV4), for server-to-server and operator calls. */
  | 'iam'
  /** No gateway auth: the function itself verifies an HMAC signature. */
  | 'hmac'
  /** Public. */
  | 'none';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface Route {
  method: HttpMethod;
  /** API Gateway path syntax: `{name}` marks a path parameter. */
  path: string;
  function: FunctionName;
  auth: AuthKind;
  summary: string;
  /**
   * A valid request body, unique per `id`: the cold-start benchmark sends it as the function's first
   * request. Each function with routes needs one route with an example, or a GET without parameters.
   */
  example?: (id: string) => unknown;
}

export const routes: readonly Route[] = [
  {
    method: 'POST',
    path: '/v1/users/me/token',
    function: 'issue-user-token',
    auth: 'jwt',
    summary: "Issue (or return the cached) mesibo token for the caller's own address",
    example: () => ({}),
  },
  {
    method: 'DELETE',
    path: '/v1/users/me/token',
    function: 'issue-user-token',
    auth: 'jwt',
    summary: "Revoke the caller's mesibo tokens",
  },
  {
    method: 'POST',
    path: '/v1/users/{address}/token',
    function: 'issue-user-token',
    auth: 'iam',
    summary: 'Issue a mesibo token for a user, from a signup backend',
  },
  {
    method: 'DELETE',
    path: '/v1/users/{address}',
    function: 'issue-user-token',
    auth: 'iam',
    summary: 'Delete a user at mesibo and erase its cached tokens',
  },
  {
    method: 'POST',
    path: '/v1/webhooks/groups',
    function: 'sync-group',
    auth: 'hmac',
    summary: 'Group sync event from the customer system; verified, enqueued, acknowledged with 202',
    example: (id) => ({
      id,
      type: 'group.upsert',
      group: { key: id, name: 'Team', members: [{ address: 'alice' }, { address: 'bob' }], version: 1 },
    }),
  },
  {
    method: 'POST',
    path: '/v1/system-messages',
    function: 'send-system-message',
    auth: 'iam',
    summary: 'Send a system message now, or at sendAt',
    example: (id) => ({
      notificationId: id,
      audience: { addresses: ['alice', 'bob'] },
      message: { text: 'Maintenance tonight at 22:00' },
    }),
  },
  {
    method: 'GET',
    path: '/v1/system-messages/{notificationId}',
    function: 'send-system-message',
    auth: 'iam',
    summary: "A system message's state and its recipients sent, pending, unknown and failed",
  },
  {
    method: 'GET',
    path: '/v1/health',
    function: 'health',
    auth: 'none',
    summary: 'Liveness; with ?deep=1, readiness (which secrets are set)',
  },
];

/** `METHOD /path` as API Gateway writes a route key. */
export const routeKey = (r: Pick<Route, 'method' | 'path'>): string => `${r.method} ${r.path}`;
