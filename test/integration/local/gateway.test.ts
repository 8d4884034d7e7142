/**
 * The local gateway over a real socket: the events it hands functions pass Powertools' API Gateway v2
 * schema for every auth kind, and authorizer refusals, unknown routes, oversize bodies and function
 * results map to HTTP the way HTTP API does.
 */
import { mkdtemp } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIGatewayProxyEventV2Schema } from '@aws-lambda-powertools/parser/schemas/api-gatewayv2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_ACCOUNT_ID, loadOrCreateCredentials } from '../../../local/auth/dev-credentials';
import { loadOrCreateDevKeys, localKeySet, signDevToken } from '../../../local/auth/dev-keys';
import { signedHeaders } from '../../../local/dev/client';
import { LOCAL_AWS } from '../../../local/dynamo';
import { iamAuthorizer } from '../../../local/gateway/iam-authorizer';
import { jwtAuthorizer } from '../../../local/gateway/jwt-authorizer';
import { createGateway } from '../../../local/gateway/server';
import { LambdaRuntime } from '../../../local/lambda/runtime';
import type { FunctionName } from '../../../shared/functions';
import { LOCAL_CORS_POLICY } from '../../../shared/http/cors';
import { routes } from '../../../shared/routes';

let server: Server;
let url: string;
let stateDir: string;
let ready = true;
const seen: { fn: FunctionName; event: unknown }[] = [];
let nextResult: () => unknown = () => ({ statusCode: 200, body: 'ok' });

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'gateway-'));
  const [keys, credentials] = await Promise.all([
    loadOrCreateDevKeys(stateDir),
    loadOrCreateCredentials(stateDir),
  ]);
  const runtime = new LambdaRuntime({ region: LOCAL_AWS.region });
  for (const fn of ['issue-user-token', 'sync-group', 'send-system-message', 'health'] as const) {
    runtime.register(fn, async (event) => {
      seen.push({ fn, event });
      return nextResult();
    });
  }
  server = createGateway({
    routes,
    runtime,
    accountId: LOCAL_ACCOUNT_ID,
    verifyJwt: jwtAuthorizer(localKeySet(keys)),
    verifyIam: iamAuthorizer(credentials, { region: LOCAL_AWS.region }),
    ready: () => ready,
    cors: {
      allowOrigins: [...LOCAL_CORS_POLICY.allowOrigins, 'https://app.example.com'],
      maxAgeSeconds: 600,
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  seen.length = 0;
  ready = true;
  nextResult = () => ({ statusCode: 200, body: 'ok' });
});

const lastEvent = () => APIGatewayProxyEventV2Schema.parse(seen.at(-1)?.event);

describe('events', () => {
  it('builds a payload 2.0 event with the JWT authorizer block for a JWT route', async () => {
    const jwt = await signDevToken(stateDir, { subject: 'alice', claims: { groups: ['a', 'b'] } });
    const res = await fetch(`${url}/v1/users/me/token?x=1&x=2&y=%C3%A9`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${jwt}`,
        'Content-Type': 'application/json',
        Cookie: 'a=1; b=2',
        'User-Agent': 'test',
      },
      body: '{"appid":"com.example.app"}',
    });
    expect(res.status).toBe(200);
    const event = lastEvent();
    expect(res.headers.get('apigw-requestid')).toBe(event.requestContext.requestId);
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /v1/users/me/token',
      rawPath: '/v1/users/me/token',
      rawQueryString: 'x=1&x=2&y=%C3%A9',
      queryStringParameters: { x: '1,2', y: 'é' },
      cookies: ['a=1', 'b=2'],
      body: '{"appid":"com.example.app"}',
      isBase64Encoded: false,
      requestContext: {
        accountId: LOCAL_ACCOUNT_ID,
        stage: '$default',
        routeKey: 'POST /v1/users/me/token',
        http: {
          method: 'POST',
          path: '/v1/users/me/token',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'test',
        },
      },
    });
    expect(event.headers['content-type']).toBe('application/json');
    expect(event.headers.cookie).toBeUndefined();
    const claims = event.requestContext.authorizer?.jwt?.claims ?? {};
    expect(claims.sub).toBe('alice');
    expect(claims.groups).toBe('[a b]');
    expect(typeof claims.exp).toBe('string');
    expect(event.requestContext.authorizer?.jwt?.scopes).toEqual(['openid']);
    expect(event.requestContext.time).toMatch(/^\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
  });

  it('builds the IAM authorizer block and decodes path parameters for a SigV4 route', async () => {
    const credentials = await loadOrCreateCredentials(stateDir);
    const target = `${url}/v1/users/bob%40example.com/token`;
    const body = '{"name":"Bob"}';
    const headers = await signedHeaders(credentials, {
      method: 'POST',
      url: target,
      body,
      headers: { 'content-type': 'application/json' },
    });
    const res = await fetch(target, { method: 'POST', headers, body });
    expect(res.status).toBe(200);
    const event = lastEvent();
    expect(event.pathParameters).toEqual({ address: 'bob@example.com' });
    expect(event.requestContext.authorizer?.iam).toMatchObject({
      accessKey: credentials.accessKeyId,
      accountId: LOCAL_ACCOUNT_ID,
      userId: credentials.userId,
      userArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:user/local-dev`,
    });
  });

  it('passes HMAC and public routes through without an authorizer; binary bodies base64-encoded', async () => {
    await fetch(`${url}/v1/webhooks/groups`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.from([0, 1, 2, 255]),
    });
    const webhook = lastEvent();
    expect(webhook.requestContext.authorizer).toBeUndefined();
    expect(webhook.isBase64Encoded).toBe(true);
    expect(Buffer.from(webhook.body ?? '', 'base64')).toEqual(Buffer.from([0, 1, 2, 255]));

    await fetch(`${url}/v1/health`);
    const health = lastEvent();
    expect(health.body).toBeUndefined();
    expect(health.pathParameters).toBeUndefined();
    expect(seen.map((s) => s.fn)).toEqual(['sync-group', 'health']);
  });
});

describe('refusals', () => {
  it('refuses a JWT route without a valid token with 401 and never calls the function', async () => {
    const expired = await signDevToken(stateDir, {
      subject: 'a',
      expiresIn: 1,
      now: new Date(Date.now() - 3_600_000),
    });
    const invalid = /^Bearer scope="" error="invalid_token" error_description="[\x20-\x7e]+"$/;
    // jose quotes a `crit` header value in its error: a newline or non-Latin-1 text must not break the header.
    const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const hostile = `${b64({ alg: 'ES256', crit: ['x\r\nSet-Cookie: a=1 €'] })}.${b64({ sub: 'a' })}.c2ln`;
    for (const [auth, challenge] of [
      [undefined, /^Bearer$/],
      ['Bearer x.y.z', invalid],
      [`Bearer ${expired}`, invalid],
      [`Bearer ${hostile}`, invalid],
    ] as const) {
      const res = await fetch(`${url}/v1/users/me/token`, {
        method: 'DELETE',
        headers: auth ? { authorization: auth } : {},
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ message: 'Unauthorized' });
      // As API Gateway does: the reason in the challenge, and a request id on every response.
      expect(res.headers.get('www-authenticate')).toMatch(challenge);
      expect(res.headers.get('apigw-requestid')).toMatch(/^[A-Za-z0-9+/=]{8,}$/);
    }
    expect(seen).toEqual([]);
  });

  it('refuses an IAM route with 403 and API Gateway’s messages', async () => {
    const credentials = await loadOrCreateCredentials(stateDir);
    const target = `${url}/v1/system-messages`;
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /^Forbidden$/],
      [
        await signedHeaders(
          { ...credentials, accessKeyId: 'AKIAUNKNOWNKEY000000' },
          { method: 'POST', url: target },
        ),
        /security token included in the request is invalid/,
      ],
      [
        await signedHeaders(credentials, { method: 'POST', url: target, body: 'signed body' }),
        /signature we calculated does not match/,
      ],
      [
        await signedHeaders(credentials, { method: 'POST', url: target }, { region: 'eu-west-1' }),
        /scoped to a valid region/,
      ],
      [
        await signedHeaders(
          credentials,
          { method: 'POST', url: target },
          { signingDate: new Date(Date.now() + 600_000) },
        ),
        /^Signature not yet current/,
      ],
    ];
    for (const [headers, message] of cases) {
      const res = await fetch(target, { method: 'POST', headers, body: 'sent body' });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { message: string }).message).toMatch(message);
    }
    expect(seen).toEqual([]);
  });

  it('answers unknown routes with 404, oversize bodies with 413 and everything with 503 until ready', async () => {
    const notFound = await fetch(`${url}/v1/users/me`, { method: 'POST' });
    expect([notFound.status, await notFound.json()]).toEqual([404, { message: 'Not Found' }]);
    const big = await fetch(`${url}/v1/webhooks/groups`, {
      method: 'POST',
      body: Buffer.alloc(10 * 1024 * 1024 + 1),
    });
    expect(big.status).toBe(413);
    ready = false;
    expect((await fetch(`${url}/v1/health`)).status).toBe(503);
    expect(seen).toEqual([]);
  });
});

describe('results', () => {
  const getHealth = () => fetch(`${url}/v1/health`);

  it('maps structured results, cookies and base64 bodies', async () => {
    nextResult = () => ({
      statusCode: 201,
      headers: { 'X-Thing': 'v' },
      cookies: ['a=1', 'b=2'],
      body: Buffer.from('binary').toString('base64'),
      isBase64Encoded: true,
    });
    const res = await getHealth();
    expect(res.status).toBe(201);
    expect(res.headers.get('x-thing')).toBe('v');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await res.text()).toBe('binary');
  });

  it('treats other results as a 200 JSON body, and errors as a bare 500', async () => {
    nextResult = () => ({ hello: 'world' });
    let res = await getHealth();
    expect([res.status, res.headers.get('content-type'), await res.json()]).toEqual([
      200,
      'application/json',
      { hello: 'world' },
    ]);
    nextResult = () => 'plain';
    res = await getHealth();
    expect(await res.text()).toBe('plain');
    nextResult = () => {
      throw new Error('secret detail');
    };
    res = await getHealth();
    expect([res.status, await res.json()]).toEqual([500, { message: 'Internal Server Error' }]);
    nextResult = () => ({ statusCode: 'nope' });
    res = await getHealth();
    expect(res.status).toBe(500);
  });
});

describe('CORS', () => {
  const preflight = (origin: string, path = '/v1/users/me/token') =>
    fetch(`${url}${path}`, {
      method: 'OPTIONS',
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    });

  it.each(['http://localhost:5173', 'http://127.0.0.1:8080', 'http://localhost', 'https://app.example.com'])(
    'answers the preflight of allowed origin %s itself, without an authorizer or a function',
    async (origin) => {
      const res = await preflight(origin);
      expect(res.status).toBe(204);
      expect(Object.fromEntries(res.headers)).toMatchObject({
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'DELETE,GET,POST',
        'access-control-allow-headers': 'authorization,content-type',
        'access-control-max-age': '600',
        vary: 'origin',
      });
      expect(seen).toHaveLength(0);
    },
  );

  it.each([
    'https://evil.example',
    'http://localhost.evil.example:5173',
    'http://localhost:5173.evil.example',
    'https://app.example.com.evil.example',
    'null',
  ])('gives a disallowed origin (%s) no CORS headers, so the browser blocks it', async (origin) => {
    const res = await preflight(origin);
    expect(res.status).toBe(204);
    expect([...res.headers.keys()].filter((h) => h.startsWith('access-control-'))).toEqual([]);
    const jwt = await signDevToken(stateDir, { subject: 'alice' });
    const call = await fetch(`${url}/v1/users/me/token`, {
      method: 'POST',
      headers: { Origin: origin, Authorization: `Bearer ${jwt}` },
    });
    expect(call.status).toBe(200);
    expect(call.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('adds the headers to responses for an allowed origin, gateway refusals included, and drops the function’s own', async () => {
    nextResult = () => ({
      statusCode: 503,
      headers: { 'retry-after': '5', 'access-control-allow-origin': '*' },
      body: '{}',
    });
    const jwt = await signDevToken(stateDir, { subject: 'alice' });
    const origin = 'http://localhost:5173';
    const res = await fetch(`${url}/v1/users/me/token`, {
      method: 'POST',
      headers: { Origin: origin, Authorization: `Bearer ${jwt}` },
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    expect(res.headers.get('access-control-expose-headers')).toBe('retry-after,apigw-requestid');
    const refused = await fetch(`${url}/v1/users/me/token`, { method: 'POST', headers: { Origin: origin } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(origin);
  });

  it('treats an OPTIONS request that is not a preflight as an unknown route', async () => {
    expect((await fetch(`${url}/v1/users/me/token`, { method: 'OPTIONS' })).status).toBe(404);
  });
});
