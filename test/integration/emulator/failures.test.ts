import { describe, expect, it } from 'vitest';
import { APP_TOKEN, type Envelope, FAILURE_KEYS, useEmulator } from './helpers';

const h = useEmulator();

/** The full failure envelope, with HTTP 200 already checked by the helpers. */
const expectFailure = (res: Envelope, error: string, code: number, properties: string[]) => {
  for (const key of FAILURE_KEYS) expect(res).toHaveProperty(key);
  expect(res).toMatchObject({ result: false, error, code, properties });
  expect(res.cause).toEqual(expect.any(String));
  expect(res.action).toEqual(expect.any(String));
  expect((res.cause as string).length).toBeGreaterThan(0);
  expect((res.action as string).length).toBeGreaterThan(0);
};

const postRaw = (body: string, contentType = 'application/json', url = h.emulator.backendUrl) =>
  fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });

describe('AUTHFAIL', () => {
  it('a missing app token fails with 401 in the envelope (HTTP 200), id echoed', async () => {
    const res = await postRaw(JSON.stringify({ op: 'useradd', id: 5, user: { address: 'a' } }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as Envelope;
    expectFailure(body, 'AUTHFAIL', 401, ['token']);
    expect(body).toMatchObject({ op: 'useradd', id: 5 });
  });

  it('a wrong app token fails over JSON and legacy, and nothing is applied', async () => {
    const json = await h.json('useradd', { token: 'wrong-token', user: { address: 'a' } });
    expectFailure(json, 'AUTHFAIL', 401, ['token']);
    const legacy = (await (
      await fetch(`${h.emulator.legacyUrl}?op=useradd&token=wrong&addr=a&id=3`)
    ).json()) as Envelope;
    expectFailure(legacy, 'AUTHFAIL', 401, ['token']);
    expect(legacy.id).toBe(3);
    expect((await h.control.state()).users).toEqual([]);
  });
});

describe('BADOP', () => {
  it('an unknown op fails, echoing the op and id', async () => {
    const res = await h.json('frobnicate', { id: 'req-1' });
    expectFailure(res, 'BADOP', 400, ['op']);
    expect(res).toMatchObject({ op: 'frobnicate', id: 'req-1' });
  });

  it('a missing op fails over both transports', async () => {
    const json = (await (await postRaw(JSON.stringify({ token: APP_TOKEN, id: 1 }))).json()) as Envelope;
    expectFailure(json, 'BADOP', 400, ['op']);
    expect(json).toMatchObject({ op: '', id: 1 });
    const legacy = (await (await fetch(`${h.emulator.legacyUrl}?token=${APP_TOKEN}`)).json()) as Envelope;
    expectFailure(legacy, 'BADOP', 400, ['op']);
  });
});

describe('BADVALUE over JSON', () => {
  it.each([
    ['an empty address', { user: { address: '' } }, ['user.address']],
    ['a missing user', {}, ['user']],
    [
      'a negative expiry',
      { user: { address: 'ok', token: { appid: 'a', expiry: -1 } } },
      ['user.token.expiry'],
    ],
    ['a v1 token without appid', { user: { address: 'ok', token: { expiry: 10 } } }, ['user.token.appid']],
    ['a non-boolean active', { user: { address: 'ok', active: 'maybe' } }, ['user.active']],
  ])('useradd with %s', async (_, body, properties) => {
    expectFailure(await h.json('useradd', { id: 11, ...body }), 'BADVALUE', 400, properties);
    expect((await h.control.state()).users).toEqual([]);
  });

  it('accepts any non-empty address: mesibo treats it as an opaque string', async () => {
    const addresses = ['Api User-1', 'auth0|64f1c2', 'أحمد', 'a/b', '<x>', 'x'.repeat(300)];
    for (const address of addresses) {
      expect(await h.json('useradd', { user: { address } })).toMatchObject({
        result: true,
        user: { address },
      });
    }
    expect((await h.control.state()).users.map((u) => u.address)).toEqual(addresses);
  });

  it('userset/userdel on an unknown user, or without naming one', async () => {
    expectFailure(await h.json('userset', { user: { address: 'ghost', name: 'x' } }), 'BADVALUE', 400, [
      'user.address',
    ]);
    expectFailure(await h.json('userdel', { user: { uid: 999_999 } }), 'BADVALUE', 400, ['user.uid']);
    expectFailure(await h.json('userdel', { user: {} }), 'BADVALUE', 400, ['user.address', 'user.uid']);
  });

  it('userset naming two different users by address and uid', async () => {
    await h.json('useradd', { user: { address: 'one' } });
    const two = await h.json('useradd', { user: { address: 'two' } });
    const res = await h.json('userset', { user: { address: 'one', uid: (two.user as { uid: number }).uid } });
    expectFailure(res, 'BADVALUE', 400, ['user.address', 'user.uid']);
  });

  it('group ops on an unknown or missing gid', async () => {
    expectFailure(await h.json('groupset', { group: { gid: 123, name: 'x' } }), 'BADVALUE', 400, [
      'group.gid',
    ]);
    expectFailure(await h.json('groupdel', { group: { gid: 123 } }), 'BADVALUE', 400, ['group.gid']);
    expectFailure(await h.json('groupgetmembers', { group: { gid: 123 } }), 'BADVALUE', 400, ['group.gid']);
    expectFailure(
      await h.json('groupeditmembers', { group: { gid: 123, members: { m: 'a' } } }),
      'BADVALUE',
      400,
      ['group.gid'],
    );
    expectFailure(await h.json('groupset', { group: { name: 'x' } }), 'BADVALUE', 400, ['group.gid']);
  });

  it('groupeditmembers with a malformed member list or rights', async () => {
    const gid = ((await h.json('groupadd', {})).group as { gid: number }).gid;
    expectFailure(await h.json('groupeditmembers', { group: { gid, members: { m: {} } } }), 'BADVALUE', 400, [
      'group.members.m',
    ]);
    expectFailure(
      await h.json('groupeditmembers', { group: { gid, members: { m: 'a', permissions: { send: 'x' } } } }),
      'BADVALUE',
      400,
      ['group.members.permissions'],
    );
  });

  it('message rules: the sender must exist, to or gid, the gid must exist, no negative expiry', async () => {
    expectFailure(
      await h.json('message', { message: { from: 'ghost', to: 'a', message: 'x' } }),
      'BADVALUE',
      400,
      ['message.from'],
    );
    await h.json('useradd', { user: { address: 'system' } });
    expectFailure(await h.json('message', { message: { from: 'system', message: 'x' } }), 'BADVALUE', 400, [
      'message.to',
      'message.gid',
    ]);
    expectFailure(
      await h.json('message', { message: { from: 'system', to: '', gid: null, message: 'x' } }),
      'BADVALUE',
      400,
      ['message.to', 'message.gid'],
    );
    expectFailure(await h.json('message', { message: { from: 'system', gid: 424242 } }), 'BADVALUE', 400, [
      'message.gid',
    ]);
    expectFailure(
      await h.json('message', { message: { from: 'system', to: 'a', expiry: -5 } }),
      'BADVALUE',
      400,
      ['message.expiry'],
    );
    expectFailure(await h.json('message', {}), 'BADVALUE', 400, ['message']);
    expect((await h.control.state()).messages).toEqual([]);
  });
});

describe('BADVALUE over legacy (legacy parameter names)', () => {
  it.each([
    ['useradd', { appid: 'a' }, ['addr']],
    ['useradd', { addr: '' }, ['addr']],
    ['useradd', { addr: 'ok', appid: 'a', expiry: -1 }, ['expiry']],
    ['userset', { uid: 99999 }, ['uid']],
    ['userset', { addr: 'ghost' }, ['addr']],
    ['userset', { address: 'ghost' }, ['address']],
    ['usertoken', { uid: 99999, appid: 'a' }, ['uid']],
    ['otp', { tries: 3 }, ['addr']],
    ['userdel', {}, ['uid', 'addr']],
    ['userdel', { uid: 'abc' }, ['uid']],
    ['groupset', { gid: 77 }, ['gid']],
    ['groupdel', {}, ['gid']],
    ['groupeditmembers', { gid: 77, m: 'a' }, ['gid']],
    ['groupgetmembers', { gid: 77 }, ['gid']],
    ['message', { from: 'ghost', to: 'a', msg: 'x' }, ['from']],
  ])('%s with %o', async (op, params, properties) => {
    const res = await h.legacy(op, { id: 12, ...params });
    expectFailure(res, 'BADVALUE', 400, properties);
    expect(res).toMatchObject({ op, id: 12 });
  });

  it('message without recipients names to and gid', async () => {
    await h.legacy('useradd', { addr: 'system' });
    expectFailure(await h.legacy('message', { from: 'system', msg: 'x' }), 'BADVALUE', 400, ['to', 'gid']);
  });

  it('groupeditmembers with a malformed permission flag', async () => {
    const gid = ((await h.legacy('groupadd', {})).group as { gid: number }).gid;
    expectFailure(await h.legacy('groupeditmembers', { gid, m: 'a', cs: 'maybe' }), 'BADVALUE', 400, ['cs']);
  });
});

describe('bad input to the emulator itself', () => {
  const expectBadRequest = async (res: Response, status: number) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as Envelope;
    expectFailure(body, 'BADREQUEST', status, []);
    return body;
  };

  it('a body that is not JSON → 400', async () => {
    await expectBadRequest(await postRaw('{"op":"useradd",'), 400);
    await expectBadRequest(await postRaw(''), 400);
  });

  it('JSON that is not an object → 400', async () => {
    await expectBadRequest(await postRaw('[1,2]'), 400);
    await expectBadRequest(await postRaw('null'), 400);
  });

  it('a wrong content type on /backend/ → 415; JSON with a charset is fine', async () => {
    await expectBadRequest(
      await postRaw(JSON.stringify({ op: 'useradd', token: APP_TOKEN }), 'text/plain'),
      415,
    );
    const ok = await postRaw(
      JSON.stringify({ op: 'useradd', token: APP_TOKEN, user: { address: 'cs' } }),
      'application/json; charset=UTF-8',
    );
    expect(await ok.json()).toMatchObject({ result: true });
  });

  it('a non-form body on /api.php → 415', async () => {
    await expectBadRequest(await postRaw('{"op":"useradd"}', 'application/json', h.emulator.legacyUrl), 415);
  });

  it('a body over 1 MiB → 413, and the server keeps serving', async () => {
    const huge = JSON.stringify({
      op: 'useradd',
      token: APP_TOKEN,
      user: { address: 'big', name: 'x'.repeat(1024 * 1024) },
    });
    await expectBadRequest(await postRaw(huge), 413);
    await expectBadRequest(
      await postRaw(
        new URLSearchParams({ op: 'useradd', m: 'y'.repeat(1024 * 1024 + 1) }).toString(),
        'application/x-www-form-urlencoded',
        h.emulator.legacyUrl,
      ),
      413,
    );
    expect((await h.control.state()).users).toEqual([]);
    expect(await h.json('useradd', { user: { address: 'after' } })).toMatchObject({ result: true });
  });

  it('an unsupported method → 405 with Allow', async () => {
    const put = await fetch(h.emulator.backendUrl, { method: 'PUT' });
    expect(put.headers.get('allow')).toBe('GET, POST');
    await expectBadRequest(put, 405);
    const del = await fetch(h.emulator.legacyUrl, { method: 'DELETE' });
    expect(del.headers.get('allow')).toBe('GET, POST');
    await expectBadRequest(del, 405);
  });

  it('/backend without the trailing slash is the same endpoint; other paths are 404', async () => {
    const res = await fetch(`${h.emulator.url}/backend`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ op: 'useradd', token: APP_TOKEN, user: { address: 'noslash' } }),
    });
    expect(await res.json()).toMatchObject({ op: 'useradd', result: true });
    expect((await fetch(`${h.emulator.url}/nope`)).status).toBe(404);
  });

  it('bad requests are recorded too', async () => {
    await postRaw('not json');
    const [entry] = await h.control.requests();
    expect(entry).toMatchObject({
      transport: 'json',
      op: '',
      status: 400,
      result: false,
      error: 'BADREQUEST',
    });
  });
});

describe('id echo', () => {
  it('echoes the id verbatim on success and failure, and omits it when absent', async () => {
    expect((await h.json('useradd', { id: 123456789, user: { address: 'i' } })).id).toBe(123456789);
    expect((await h.json('userdel', { id: 0, user: { address: 'ghost' } })).id).toBe(0);
    expect((await h.json('useradd', { id: 'abc', user: { address: 'i' } })).id).toBe('abc');
    expect(await h.json('useradd', { user: { address: 'i' } })).not.toHaveProperty('id');
    expect(await h.legacy('useradd', { addr: 'i' })).not.toHaveProperty('id');
  });
});
