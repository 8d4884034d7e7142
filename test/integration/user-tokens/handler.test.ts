/**
 * The token routes end to end over real sockets: handler ← API Gateway v2 events, mesibo emulator over
 * HTTP, dynalite through the real DynamoDB client, the app token through the real Secrets Manager client.
 */
import { APIGatewayProxyEventV2Schema } from '@aws-lambda-powertools/parser/schemas/api-gatewayv2';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bearerToken, iamEvent, jwtEvent, lambdaContext } from '../../../local/harness/user-tokens/events';
import { APPIDS, startTokenHarness, type TokenHarness } from '../../../local/harness/user-tokens/harness';

let h: TokenHarness;
beforeAll(async () => {
  h = await startTokenHarness({
    env: {
      TOKEN_ADDRESS_PREFIX: 'u:',
      TOKEN_EXPIRY_MINUTES: '1440',
      TOKEN_EXPIRY_MINUTES_MAX: '10080',
      TOKEN_RESERVED_ADDRESSES: 'u:support,admin',
      SYSTEM_SENDER_ADDRESS: 'u:system',
    },
  });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.control.reset();
  h.dynamoCalls.clear();
});

const call = async (event: Parameters<TokenHarness['handler']>[0]) => {
  const result = (await h.handler(event, lambdaContext())) as APIGatewayProxyStructuredResultV2;
  return { ...result, json: result.body ? (JSON.parse(result.body) as Record<string, unknown>) : undefined };
};

/** A refusal as problem+json (400 naming the address) that read and wrote nothing, here or at mesibo. */
const expectRefusedUntouched = async (res: Awaited<ReturnType<typeof call>>, status: number) => {
  expect(res.statusCode).toBe(status);
  expect(res.headers?.['content-type']).toBe('application/problem+json');
  if (status === 400)
    expect(res.json).toMatchObject({ errors: [expect.objectContaining({ field: 'address' })] });
  expect(h.dynamoCalls.size).toBe(0);
  expect(await h.control.requests()).toHaveLength(0);
};

describe('events', () => {
  it('builds events of the real API Gateway v2 shape', () => {
    expect(
      APIGatewayProxyEventV2Schema.safeParse(jwtEvent({ method: 'POST', claims: { sub: 'a' } })).success,
    ).toBe(true);
    const iam = iamEvent({ method: 'POST', route: '/v1/users/{address}/token', address: 'a@b.c' });
    expect(APIGatewayProxyEventV2Schema.safeParse(iam).success).toBe(true);
  });
});

describe('POST /v1/users/me/token', () => {
  it('issues a token for the address in the verified claim, then serves it from the cache', async () => {
    const first = await call(jwtEvent({ method: 'POST', claims: { sub: 'alice' } }));
    expect(first.statusCode).toBe(200);
    expect(first.headers).toMatchObject({ 'content-type': 'application/json', 'cache-control': 'no-store' });
    expect(first.json).toEqual({
      address: 'u:alice',
      uid: expect.any(Number),
      token: expect.any(String),
      appid: APPIDS[0],
      expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      replacedLiveToken: false,
    });
    const state = await h.control.state();
    expect(state.users.map((u) => u.address)).toEqual(['u:alice']);
    expect(state.users[0]?.tokens[0]?.appid).toBe(APPIDS[0]);

    h.dynamoCalls.clear();
    const secretReads = h.secrets.reads;
    const again = await call(jwtEvent({ method: 'POST', claims: { sub: 'alice' }, body: '' }));
    expect(again.json).toEqual(first.json);
    // The cache-hit budget: one DynamoDB read, no mesibo call, no Secrets Manager call.
    expect(Object.fromEntries(h.dynamoCalls)).toEqual({ GetItemCommand: 1 });
    expect(await h.control.requests({ op: 'useradd' })).toHaveLength(1);
    expect(h.secrets.reads).toBe(secretReads);
  });

  it('takes the appid from the body when it is allowed, and caches per appid', async () => {
    const res = await call(jwtEvent({ method: 'POST', claims: { sub: 'bob' }, body: { appid: APPIDS[1] } }));
    expect(res.json).toMatchObject({ appid: APPIDS[1] });
    await call(jwtEvent({ method: 'POST', claims: { sub: 'bob' } }));
    expect(await h.control.requests({ op: 'useradd' })).toHaveLength(2);
  });

  it.each([
    ['malformed JSON', '{"appid":', '(body)'],
    ['an unknown field', { appid: APPIDS[0], address: 'mallory' }, 'address'],
    ['an appid not on the allow-list', { appid: 'com.evil.app' }, 'appid'],
    ['an appid of the wrong type', { appid: 42 }, 'appid'],
  ])('rejects %s with 400 naming the field, writing nothing', async (_, body, field) => {
    const res = await call(jwtEvent({ method: 'POST', claims: { sub: 'carol' }, body }));
    expect(res.statusCode).toBe(400);
    expect(res.headers?.['content-type']).toBe('application/problem+json');
    expect(res.json).toMatchObject({
      status: 400,
      code: 'invalid-request',
      errors: [expect.objectContaining({ field })],
    });
    expect(h.dynamoCalls.size).toBe(0);
    expect(await h.control.requests()).toHaveLength(0);
  });

  it.each([
    ['a comma', 'carol,smith', 'comma'],
    ['a control character', 'carol\u0000', 'control characters'],
    // 255 bytes of claim are 257 with the "u:" prefix: the limit counts the address mesibo gets.
    ['more than 256 UTF-8 bytes once prefixed', 'x'.repeat(255), 'at most 256 bytes'],
  ])('rejects a claim that gives an address with %s (400, field address)', async (_, sub, reason) => {
    const res = await call(jwtEvent({ method: 'POST', claims: { sub } }));
    expect(res.statusCode).toBe(400);
    expect(res.json).toMatchObject({
      errors: [{ field: 'address', message: expect.stringContaining(reason) }],
    });
    expect(h.dynamoCalls.size).toBe(0);
    expect(await h.control.requests()).toHaveLength(0);
  });

  it.each([
    ['no authorizer context', undefined],
    ['no address claim', { email: 'x@example.com' }],
    ['an empty address claim', { sub: '' }],
  ])('answers 401 for %s, writing nothing', async (_, claims) => {
    const res = await call(jwtEvent({ method: 'POST', claims }));
    expect(res.statusCode).toBe(401);
    expect(res.json).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(h.dynamoCalls.size).toBe(0);
    expect(await h.control.requests()).toHaveLength(0);
  });

  it.each([
    ['a number', { sub: 777 }, 'is a number'],
    ['null', { sub: null }, 'is null'],
    ['a boolean', { sub: true }, 'is a boolean'],
    ['an array', { sub: ['a', 'b'] }, 'is an array'],
    ['an object', { sub: { id: 'a' } }, 'is a object'],
    ['blank', { sub: '   ' }, 'is blank'],
  ])(
    'refuses an address claim that is %s with 401 and the reason, writing nothing',
    async (_, claims, reason) => {
      // The authorizer renders all of these as strings ("777", "null", "[a b]"); the token's own type decides.
      const res = await call(jwtEvent({ method: 'POST', claims }));
      expect(res.statusCode).toBe(401);
      expect(res.json).toMatchObject({ code: 'unauthorized', detail: expect.stringContaining(reason) });
      expect(h.dynamoCalls.size).toBe(0);
      expect(await h.control.requests()).toHaveLength(0);
    },
  );

  it('takes "777" (a string) as the address, where 777 (a number) was refused', async () => {
    const res = await call(jwtEvent({ method: 'POST', claims: { sub: '777' } }));
    expect(res).toMatchObject({ statusCode: 200, json: { address: 'u:777' } });
  });

  it.each([
    ['a token other than the one the authorizer verified', bearerToken({ sub: 'mallory' }), 'not the one'],
    ['two bearer tokens', `${bearerToken({ sub: 'carol' })}, ${bearerToken({ sub: 'mallory' })}`, 'single'],
    ['an unreadable token', 'Bearer not-a-jwt', 'single readable'],
  ])('refuses %s with 401', async (_, authorization, reason) => {
    const res = await call(jwtEvent({ method: 'POST', claims: { sub: 'carol' }, authorization }));
    expect(res).toMatchObject({ statusCode: 401, json: { detail: expect.stringContaining(reason) } });
    expect(await h.control.requests()).toHaveLength(0);
  });

  it.each([
    ['the system sender', 'system'],
    ['the system sender in capitals', 'SYSTEM'],
    ['the system sender in full-width letters', 'ｓｙｓｔｅｍ'],
    ['an address on the reserved list', 'support'],
  ])('refuses %s with 403 reserved-address, writing nothing', async (_, sub) => {
    const res = await call(jwtEvent({ method: 'POST', claims: { sub } }));
    expect(res.statusCode).toBe(403);
    expect(res.headers?.['content-type']).toBe('application/problem+json');
    expect(res.json).toMatchObject({ status: 403, code: 'reserved-address' });
    expect(h.dynamoCalls.size).toBe(0);
    expect(await h.control.requests()).toHaveLength(0);
  });

  it('ignores an IAM authorizer on the end-user route', async () => {
    const event = iamEvent({ method: 'POST', route: '/v1/users/{address}/token', address: 'dave' });
    const res = await call({ ...event, routeKey: 'POST /v1/users/me/token' });
    expect(res.statusCode).toBe(401);
  });
});

describe('DELETE /v1/users/me/token', () => {
  it("revokes the caller's tokens at mesibo and drops the cached record", async () => {
    const issued = await call(jwtEvent({ method: 'POST', claims: { sub: 'erin' } }));
    const res = await call(jwtEvent({ method: 'DELETE', claims: { sub: 'erin' } }));
    expect(res.statusCode).toBe(204);
    const [user] = (await h.control.state()).users;
    expect(user?.tokens).toEqual([]);
    const reissued = await call(jwtEvent({ method: 'POST', claims: { sub: 'erin' } }));
    expect(reissued.json?.token).not.toBe(issued.json?.token);
    expect(await h.control.requests({ op: 'useradd' })).toHaveLength(2);
  });

  it('is 204 for a caller mesibo has never seen', async () => {
    expect((await call(jwtEvent({ method: 'DELETE', claims: { sub: 'nobody' } }))).statusCode).toBe(204);
  });

  it.each([
    ['no authorizer context', undefined, 401],
    ['no address claim', { email: 'x@example.com' }, 401],
    ['an address claim the address rule refuses', { sub: 'erin,smith' }, 400],
  ])('answers %s with %i, touching nothing', async (_, claims, status) => {
    const res = await call(jwtEvent({ method: 'DELETE', claims }));
    await expectRefusedUntouched(res, status);
  });
});

describe('POST /v1/users/{address}/token (IAM)', () => {
  const event = (address: string, body?: object | string, signed?: boolean) =>
    iamEvent({ method: 'POST', route: '/v1/users/{address}/token', address, body, signed });

  it('issues a token with the name and lifetime the backend asks for', async () => {
    const res = await call(
      event('frank@example.com', { name: 'Frank', appid: APPIDS[1], expiryMinutes: 60 }),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json).toMatchObject({ address: 'frank@example.com', appid: APPIDS[1] });
    const expiresIn = Date.parse(String(res.json?.expiresAt)) - Date.now();
    expect(expiresIn).toBeGreaterThan(55 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(60 * 60_000);
    const [user] = (await h.control.state()).users;
    expect(user).toMatchObject({ address: 'frank@example.com', name: 'Frank' });
  });

  it.each([
    ['expiryMinutes above the maximum', { expiryMinutes: 10081 }, 'expiryMinutes'],
    ['expiryMinutes below the minimum', { expiryMinutes: 1 }, 'expiryMinutes'],
    ['a fractional expiryMinutes', { expiryMinutes: 30.5 }, 'expiryMinutes'],
    ['an unknown field', { expiry: 60 }, 'expiry'],
    ['an empty name', { name: '  ' }, 'name'],
    ['an appid not on the allow-list', { appid: 'com.other' }, 'appid'],
  ])('rejects %s with 400 naming the field, writing nothing', async (_, body, field) => {
    const res = await call(event('grace', body));
    expect(res.statusCode).toBe(400);
    expect(res.json).toMatchObject({ errors: [expect.objectContaining({ field })] });
    expect(h.dynamoCalls.size).toBe(0);
    expect(await h.control.requests()).toHaveLength(0);
  });

  it.each([
    ['a comma', 'grace,hopper'],
    ['a newline', 'grace\nhopper'],
    ['a lone surrogate', 'grace \ud83e'],
    ['257 bytes', 'g'.repeat(257)],
  ])('rejects an address with %s (400, field address)', async (_, address) => {
    const res = await call(event(address));
    expect(res.statusCode).toBe(400);
    expect(res.json).toMatchObject({ errors: [expect.objectContaining({ field: 'address' })] });
    expect(h.dynamoCalls.size).toBe(0);
    expect(await h.control.requests()).toHaveLength(0);
  });

  it('accepts every character mesibo allows, up to 64 of them', async () => {
    const address = `Az09_.@+-:${'x'.repeat(54)}`;
    expect((await call(event(address))).statusCode).toBe(200);
  });

  it('takes the path parameter as the gateway decoded it, never decoding again', async () => {
    // `/v1/users/%2561dmin/token` reaches the function as `%61dmin`; a second decode would give the
    // reserved `admin` (and defeat an IAM policy that denies that path).
    const res = await call(event('%61dmin'));
    expect(res.statusCode).not.toBe(403);
    const asked = (await h.control.requests({ op: 'useradd' })).map((r) => JSON.stringify(r.params));
    expect(asked.join()).toContain('%61dmin');
    expect((await h.control.state()).users.map((u) => u.address)).not.toContain('admin');
    expect((await call(event('admin'))).json).toMatchObject({ code: 'reserved-address' });
  });

  it('refuses a reserved address (the system sender, the reserved list) with 403', async () => {
    for (const address of ['u:system', 'admin', 'ADMIN']) {
      await expectRefusedUntouched(await call(event(address)), 403);
    }
  });

  it('answers 401 without an IAM authorizer, writing nothing', async () => {
    const res = await call(event('heidi', undefined, false));
    expect(res.statusCode).toBe(401);
    expect(h.dynamoCalls.size).toBe(0);
  });
});

describe('DELETE /v1/users/{address} (IAM)', () => {
  const del = (address: string) => iamEvent({ method: 'DELETE', route: '/v1/users/{address}', address });

  it('deletes the user at mesibo and erases its cached tokens, leaving only expiring tombstones', async () => {
    const issue = (appid: string) =>
      iamEvent({ method: 'POST', route: '/v1/users/{address}/token', address: 'ivan', body: { appid } });
    await call(issue(APPIDS[0]));
    await call(issue(APPIDS[1]));
    expect((await h.items()).filter((i) => i.pk === 'ivan')).toHaveLength(2);
    expect((await call(del('ivan'))).statusCode).toBe(204);
    expect((await h.control.state()).users).toEqual([]);
    const left = (await h.items()).filter((i) => i.pk === 'ivan');
    const nowSeconds = Date.now() / 1000;
    expect(left.map((i) => i.sk).sort()).toEqual(APPIDS.map((a) => `appid#${a}`));
    for (const item of left) {
      expect(Object.keys(item).sort()).toEqual(['pk', 'revokedAt', 'sk', 'ttl']);
      expect(Number(item.ttl)).toBeGreaterThan(nowSeconds);
      expect(Number(item.ttl)).toBeLessThanOrEqual(nowSeconds + 3601);
    }
    // The tombstones block only tokens whose useradd began before the deletion; a later login caches again.
    expect((await call(issue(APPIDS[0]))).statusCode).toBe(200);
    expect((await h.items()).filter((i) => i.pk === 'ivan' && i.token)).toHaveLength(1);
  });

  it.each([
    ['an address with a comma', 'ivan,smith', true, 400],
    ['257 bytes', 'i'.repeat(257), true, 400],
    ['no IAM authorizer', 'ivan', false, 401],
    ['the system sender', 'u:system', true, 403],
  ])('answers %s with %i, touching nothing', async (_, address, signed, status) => {
    const res = await call(iamEvent({ method: 'DELETE', route: '/v1/users/{address}', address, signed }));
    await expectRefusedUntouched(res, status);
  });

  it('is idempotent: an unknown user is 204', async () => {
    expect((await call(del('judy'))).statusCode).toBe(204);
    expect((await call(del('judy'))).statusCode).toBe(204);
    expect(await h.control.requests({ op: 'userdel' })).toHaveLength(2);
  });
});

it('answers 404 problem for a route it does not serve', async () => {
  const res = await call({
    ...jwtEvent({ method: 'POST', claims: { sub: 'k' } }),
    routeKey: 'GET /v1/nothing',
  });
  expect(res).toMatchObject({ statusCode: 404, json: { code: 'not-found' } });
});
