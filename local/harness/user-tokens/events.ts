/**
 * API Gateway HTTP API (payload format 2.0) events as the JWT and IAM authorizers deliver them, for
 * driving the handler directly. Checked against Powertools' APIGatewayProxyEventV2Schema in a test.
 */
import { randomUUID } from 'node:crypto';
import type {
  APIGatewayProxyEventV2WithIAMAuthorizer,
  APIGatewayProxyEventV2WithJWTAuthorizer,
  Context,
} from 'aws-lambda';
import { claimString } from '../../gateway/jwt-authorizer';

type Method = 'POST' | 'DELETE';
interface EventInput {
  method: Method;
  /** Route path with `{address}` when there is one. */
  route: string;
  address?: string;
  body?: string | object;
}

const base = ({ method, route, address, body }: EventInput) => {
  // HTTP APIs deliver the path (and path parameters) already URL-decoded.
  const rawPath = address === undefined ? route : route.replace('{address}', address);
  const requestId = `${randomUUID().slice(0, 8)}=`;
  const now = new Date();
  return {
    version: '2.0' as const,
    routeKey: `${method} ${route}`,
    rawPath,
    rawQueryString: '',
    headers: {
      host: 'abc123.execute-api.us-east-1.amazonaws.com',
      'content-type': 'application/json',
      'user-agent': 'integration-test',
      'x-forwarded-for': '203.0.113.7',
    },
    ...(address === undefined ? {} : { pathParameters: { address } }),
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: {
        method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'integration-test',
      },
      requestId,
      routeKey: `${method} ${route}`,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
  };
};

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWT of these claims as the client sent it (the gateway checked its signature; the handler does not). */
export const bearerToken = (claims: Record<string, unknown>): string =>
  `Bearer ${base64url({ alg: 'RS256', typ: 'JWT', kid: 'test' })}.${base64url(claims)}.c2lnbmF0dXJl`;

/**
 * `claims` are the token's payload with their JSON types; the authorizer block renders them as API
 * Gateway does (every value a string), and the Authorization header carries the token itself.
 */
export const jwtEvent = (
  input: Omit<EventInput, 'route' | 'address'> & {
    claims: Record<string, unknown> | undefined;
    authorization?: string;
  },
): APIGatewayProxyEventV2WithJWTAuthorizer => {
  const event = base({ ...input, route: '/v1/users/me/token' });
  const authorization = input.authorization ?? bearerToken(input.claims ?? {});
  const rendered =
    input.claims &&
    Object.fromEntries(Object.entries(input.claims).map(([name, value]) => [name, claimString(value)]));
  return {
    ...event,
    headers: { ...event.headers, authorization },
    requestContext: {
      ...event.requestContext,
      // Without claims the event has no authorizer block, as when a route is misconfigured without one.
      ...(input.claims === undefined
        ? {}
        : {
            authorizer: {
              principalId: '',
              integrationLatency: 0,
              jwt: { claims: rendered, scopes: null as unknown as string[] },
            },
          }),
    },
  } as APIGatewayProxyEventV2WithJWTAuthorizer;
};

export const iamEvent = (
  input: Omit<EventInput, 'route'> & {
    route: '/v1/users/{address}/token' | '/v1/users/{address}';
    signed?: boolean;
  },
): APIGatewayProxyEventV2WithIAMAuthorizer => {
  const event = base(input);
  return {
    ...event,
    requestContext: {
      ...event.requestContext,
      ...(input.signed === false
        ? {}
        : {
            authorizer: {
              iam: {
                accessKey: 'AKIAIOSFODNN7EXAMPLE',
                accountId: '123456789012',
                callerId: 'AROAEXAMPLE:signup-backend',
                cognitoIdentity: null,
                principalOrgId: null,
                userArn: 'arn:aws:sts::123456789012:assumed-role/signup-backend/session',
                userId: 'AROAEXAMPLE:signup-backend',
              },
            },
          }),
    },
  } as unknown as APIGatewayProxyEventV2WithIAMAuthorizer;
};

export const lambdaContext = (): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'issue-user-token',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:issue-user-token',
  memoryLimitInMB: '512',
  awsRequestId: randomUUID(),
  logGroupName: '/aws/lambda/issue-user-token',
  logStreamName: '2030/01/01/[$LATEST]0123456789abcdef',
  getRemainingTimeInMillis: () => 10_000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
});
