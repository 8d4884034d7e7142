/**
 * The OpenAPI 3.1 document of the HTTP API, built from the route table and the same zod schemas the
 * handlers validate with, so the published contract cannot drift from the code. `npm run openapi`
 * writes it to docs/openapi.json; a test fails when the committed file is out of date.
 */
import { type AuthKind, type Route, routes } from '../routes';
import type { FunctionApi } from './parts';

const gatewayDenied = {
  401: { description: 'Missing or invalid credentials (answered by API Gateway)' },
  403: { description: 'Not allowed (answered by API Gateway)' },
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

const operationFor = (route: Route, operations: FunctionApi['operations']) => {
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
    ...(route.example ? { requestBody: withExample(extra.requestBody, route.example('example-1')) } : {}),
    ...(params.length ? { parameters: params } : {}),
    responses,
  };
};

/** The route table's example request, shown beside the body's schema. */
const withExample = (requestBody: unknown, example: unknown) => {
  const body = requestBody as { content: { 'application/json': Record<string, unknown> } };
  return {
    ...body,
    content: { 'application/json': { ...body.content['application/json'], example } },
  };
};

/** The document from the route table and each HTTP function's own description of its routes. */
export const openApiDocument = (apis: readonly FunctionApi[]) => {
  const operations = Object.assign({}, ...apis.map((a) => a.operations));
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operationFor(route, operations);
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
        ...Object.assign({}, ...apis.map((a) => a.schemas ?? {})),
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
