/**
 * The OpenAPI 3.1 document of the HTTP API, built from the route table and the same zod schemas the
 * handlers validate with, so the published contract cannot drift from the code. `npm run openapi`
 * writes it to docs/openapi.json; a test fails when the committed file is out of date.
 */
import * as z from 'zod';
import { requestSchemas } from '../../functions/issue-user-token/schema';
import { GROUP_SYNC_DEFAULTS } from '../group-sync/config';
import { webhookBodySchema } from '../group-sync/schema';
import { type AuthKind, type Route, routes } from '../routes';
import { NotificationSchema } from '../system-messages/schema';
import { tokenConfigFromEnv } from '../user-tokens/config';

type JsonSchema = Record<string, unknown>;

const schemaOf = (schema: z.ZodType): JsonSchema => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return rest;
};

/** Documented with the default settings; each deployment's appids and bounds come from its config. */
const tokenSchemas = requestSchemas(
  tokenConfigFromEnv({
    USERS_TABLE: 'users',
    MESIBO_APP_TOKEN_SECRET_ID: 'secret',
    TOKEN_APPIDS: 'com.example.app',
  }),
);

const problemRef = { $ref: '#/components/schemas/Problem' };
const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: problemRef } },
});
const jsonBody = (schema: JsonSchema, required = true) => ({
  required,
  content: { 'application/json': { schema } },
});
const jsonResponse = (description: string, schema: JsonSchema) => ({
  description,
  content: { 'application/json': { schema } },
});

const tokenResponse = jsonResponse('A mesibo user access token', { $ref: '#/components/schemas/UserToken' });
const gatewayDenied = {
  401: { description: 'Missing or invalid credentials (answered by API Gateway)' },
  403: { description: 'Not allowed (answered by API Gateway)' },
};

const count = { type: 'integer', minimum: 0 };
const notificationStatusSchema: JsonSchema = {
  type: 'object',
  required: [
    'notificationId',
    'state',
    'audience',
    'recipients',
    'batches',
    'failures',
    'createdAt',
    'updatedAt',
  ],
  properties: {
    notificationId: { type: 'string' },
    state: {
      enum: [
        'scheduled',
        'accepted',
        'expanding',
        'expansion-failed',
        'sending',
        'done',
        'done-with-failures',
      ],
      description:
        '`done` once every batch is accounted for; `expansion-failed` when the all-users expansion was dead-lettered',
    },
    audience: { enum: ['addresses', 'group', 'allUsers'] },
    scheduledFor: { type: 'string', format: 'date-time' },
    recipients: {
      type: 'object',
      description:
        'Recipients by outcome (a group counts as one); total and pending once the audience is known',
      required: ['sent', 'unknown', 'failed'],
      properties: { total: count, sent: count, pending: count, unknown: count, failed: count },
    },
    batches: { type: 'object', required: ['done'], properties: { total: count, done: count } },
    failures: {
      type: 'array',
      description: 'Recipients failed or unknown, by reason',
      items: {
        type: 'object',
        required: ['reason', 'count'],
        properties: { reason: { enum: ['rejected', 'outcome-unknown', 'dead-lettered'] }, count },
      },
    },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};

/** What each route accepts and answers, beyond what the route table says. */
const operations: Record<string, Record<string, unknown>> = {
  'POST /v1/users/me/token': {
    operationId: 'issueOwnToken',
    requestBody: jsonBody(schemaOf(tokenSchemas.self), false),
    responses: {
      200: tokenResponse,
      400: problemResponse('Invalid body (the `errors` member names the field)'),
      401: problemResponse(
        'The verified token carries no usable address claim (absent, not a string, blank, an unverified email or phone number)',
      ),
      403: problemResponse(
        'The address is reserved (`reserved-address`): the system sender or the reserved list',
      ),
      502: problemResponse('mesibo rejected the request (its error code is in `mesiboError`)'),
      503: problemResponse(
        "mesibo is unavailable and no valid cached token exists (`mesibo-unavailable`), or the deployment's mesibo app token is not set yet (`mesibo-app-token-unset`); see Retry-After",
      ),
    },
  },
  'DELETE /v1/users/me/token': {
    operationId: 'revokeOwnTokens',
    responses: {
      204: { description: "The caller's tokens are revoked and their cache dropped" },
      401: problemResponse('The verified token carries no usable address claim'),
      403: problemResponse(
        'The address is reserved (`reserved-address`): the system sender or the reserved list',
      ),
      502: problemResponse('mesibo rejected the request'),
      503: problemResponse(
        "mesibo is unavailable (`mesibo-unavailable`), or the deployment's mesibo app token is not set yet (`mesibo-app-token-unset`); see Retry-After",
      ),
    },
  },
  'POST /v1/users/{address}/token': {
    operationId: 'issueUserToken',
    requestBody: jsonBody(schemaOf(tokenSchemas.backend), false),
    responses: {
      200: tokenResponse,
      400: problemResponse('Invalid address or body (the `errors` member names the field)'),
      403: problemResponse(
        'The address is reserved (`reserved-address`): the system sender or the reserved list',
      ),
      502: problemResponse('mesibo rejected the request'),
      503: problemResponse(
        "mesibo is unavailable and no valid cached token exists (`mesibo-unavailable`), or the deployment's mesibo app token is not set yet (`mesibo-app-token-unset`); see Retry-After",
      ),
    },
  },
  'DELETE /v1/users/{address}': {
    operationId: 'deleteUser',
    responses: {
      204: { description: 'The user is deleted at mesibo and its cached tokens erased (also when unknown)' },
      400: problemResponse('Invalid address'),
      403: problemResponse(
        'The address is reserved (`reserved-address`): the system sender or the reserved list',
      ),
      502: problemResponse('mesibo rejected the request'),
      503: problemResponse(
        "mesibo is unavailable (`mesibo-unavailable`), or the deployment's mesibo app token is not set yet (`mesibo-app-token-unset`); see Retry-After",
      ),
    },
  },
  'POST /v1/webhooks/groups': {
    operationId: 'groupWebhook',
    parameters: [
      {
        name: 'X-Mesibo-Signature',
        in: 'header',
        required: true,
        description: 'HMAC-SHA256 of `<t>.<raw body>`: `t=<unix seconds>,v1=<hex>`',
        schema: { type: 'string' },
      },
      {
        name: 'X-Delivery-Id',
        in: 'header',
        required: false,
        description:
          'Optional; when sent it must equal the body `id`, since only signed bytes identify a delivery',
        schema: { type: 'string' },
      },
    ],
    requestBody: jsonBody(schemaOf(webhookBodySchema(GROUP_SYNC_DEFAULTS.maxMembers))),
    responses: {
      202: jsonResponse('Verified and enqueued (or a repeat of a known delivery)', {
        type: 'object',
        required: ['deliveryId', 'status'],
        properties: {
          deliveryId: { type: 'string' },
          status: { enum: ['queued', 'applied', 'stale', 'rejected'] },
          duplicate: { const: true },
        },
      }),
      400: problemResponse('Invalid payload (the `errors` member names the problem)'),
      401: problemResponse('Missing or bad signature, or a timestamp outside the tolerance window'),
      409: problemResponse('The delivery id was already used for a different event'),
      413: problemResponse('Body over 1 MiB'),
      503: problemResponse('The event could not be queued; nothing was applied, deliver it again later'),
    },
  },
  'POST /v1/system-messages': {
    operationId: 'sendSystemMessage',
    requestBody: jsonBody(schemaOf(NotificationSchema)),
    responses: {
      202: jsonResponse('Sent now (recipients counted) or scheduled for `sendAt`', {
        oneOf: [
          {
            type: 'object',
            required: ['notificationId', 'scheduledFor'],
            properties: {
              notificationId: { type: 'string' },
              scheduledFor: { type: 'string', format: 'date-time' },
            },
          },
          {
            type: 'object',
            required: ['notificationId', 'recipients'],
            properties: {
              notificationId: { type: 'string' },
              recipients: {
                description:
                  'Addresses enqueued, the group messaged (one mesibo call), or all users (expanded by the worker; see the status)',
                oneOf: [
                  { type: 'object', required: ['addresses'], properties: { addresses: { type: 'integer' } } },
                  { type: 'object', required: ['gid'], properties: { gid: { type: 'integer' } } },
                  { type: 'object', required: ['allUsers'], properties: { allUsers: { const: true } } },
                ],
              },
              batches: {
                type: 'integer',
                description:
                  'Fan-out batches enqueued (absent for all users: the status gives it once known)',
              },
            },
          },
        ],
      }),
      400: problemResponse('Invalid payload (the `errors` member names the field)'),
      404: problemResponse('Unknown group key'),
      409: problemResponse(
        'The notificationId was used with a different payload, or is being accepted right now',
      ),
      413: problemResponse('Body over 1 MiB, or too large to schedule'),
    },
  },
  'GET /v1/system-messages/{notificationId}': {
    operationId: 'getSystemMessageStatus',
    responses: {
      200: jsonResponse("The notification's state and its recipients by outcome", {
        $ref: '#/components/schemas/NotificationStatus',
      }),
      400: problemResponse('Not a notification id'),
      404: problemResponse('No notification with this id (or older than NOTIFY_RETENTION_DAYS)'),
    },
  },
  'GET /v1/health': {
    operationId: 'health',
    parameters: [
      {
        name: 'deep',
        in: 'query',
        required: false,
        description:
          'Readiness instead of liveness: which secrets are set (never their values), checked at most every 30 s',
        schema: { enum: ['1', 'true', '0', 'false'] },
      },
    ],
    responses: {
      200: jsonResponse('Alive; with `deep`, also ready', {
        oneOf: [
          { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } },
          { $ref: '#/components/schemas/Readiness' },
        ],
      }),
      400: problemResponse('`deep` is not one of 1, true, 0, false'),
      503: jsonResponse('`deep`: not ready, a secret is unset or unreadable', {
        $ref: '#/components/schemas/Readiness',
      }),
    },
  },
};

const security: Record<AuthKind, Record<string, string[]>[] | undefined> = {
  jwt: [{ userJwt: [] }],
  iam: [{ awsSigV4: [] }],
  hmac: [{ webhookSignature: [] }],
  none: [],
};

const pathParameters = (path: string) =>
  [...path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));

const operationFor = (route: Route) => {
  const key = `${route.method} ${route.path}`;
  const extra = operations[key];
  if (!extra) throw new Error(`the OpenAPI document does not describe ${key}`);
  const params = [...pathParameters(route.path), ...((extra.parameters as unknown[]) ?? [])];
  // A status both the gateway and the function answer (401, 403) documents both.
  const responses: Record<string, { description: string }> = { ...(extra.responses as object) };
  if (route.auth === 'jwt' || route.auth === 'iam') {
    for (const [status, denied] of Object.entries(gatewayDenied)) {
      const own = responses[status];
      responses[status] = own
        ? { ...own, description: `${own.description}; or ${denied.description}` }
        : denied;
    }
  }
  return {
    summary: route.summary,
    'x-function': route.function,
    security: security[route.auth],
    ...extra,
    ...(params.length ? { parameters: params } : {}),
    responses,
  };
};

export const openApiDocument = () => {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operationFor(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'mesibo-serverless',
      version: '1',
      description:
        'A mesibo backend on AWS: user tokens, system messages and group sync. Errors are RFC 9457 problem details.',
    },
    servers: [
      {
        url: 'https://{host}',
        description:
          'A deployed stack: the host of its ApiUrl output (the custom domain, or <api-id>.execute-api.<region>.amazonaws.com)',
        variables: { host: { default: 'api.example.org' } },
      },
      {
        url: 'http://127.0.0.1:{port}',
        description: 'Local stack (npm start; PORT)',
        variables: { port: { default: '3000' } },
      },
    ],
    paths,
    components: {
      securitySchemes: {
        userJwt: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'End-user JWT verified by the API Gateway JWT authorizer (issuer and audience from config)',
        },
        awsSigV4: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'AWS Signature Version 4 (API Gateway IAM authorization)',
        },
        webhookSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Mesibo-Signature',
          description: 'HMAC-SHA256 over `<t>.<raw body>` with a webhook secret; verified by the function',
        },
      },
      schemas: {
        NotificationStatus: notificationStatusSchema,
        UserToken: {
          type: 'object',
          required: ['address', 'uid', 'token', 'appid', 'expiresAt', 'replacedLiveToken'],
          properties: {
            address: { type: 'string' },
            uid: { type: 'integer' },
            token: { type: 'string', description: 'The mesibo user access token' },
            appid: { type: 'string' },
            expiresAt: { type: ['string', 'null'], format: 'date-time', description: 'null: never expires' },
            replacedLiveToken: {
              type: 'boolean',
              description:
                'true when this request issued a new token while the cached one was still valid; the earlier token stops working if mesibo revokes on re-issue (not confirmed; the emulator keeps it valid)',
            },
          },
        },
        Readiness: {
          type: 'object',
          required: ['status', 'secrets'],
          properties: {
            status: { enum: ['ok', 'not-ready'] },
            secrets: {
              type: 'object',
              required: ['mesiboAppToken', 'webhook'],
              properties: {
                mesiboAppToken: {
                  enum: ['set', 'placeholder', 'unreadable'],
                  description:
                    '`placeholder`: still the value the stack created; set it (npm run set-secrets)',
                },
                webhook: {
                  enum: ['set', 'invalid', 'unreadable'],
                  description: '`invalid`: not `{"current": "...", "previous"?: "..."}` JSON',
                },
              },
            },
          },
        },
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'code'],
          properties: {
            type: { type: 'string', format: 'uri' },
            title: { type: 'string' },
            status: { type: 'integer' },
            code: { type: 'string' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                required: ['field', 'message'],
                properties: { field: { type: 'string' }, message: { type: 'string' } },
              },
            },
          },
        },
      },
    },
  };
};
