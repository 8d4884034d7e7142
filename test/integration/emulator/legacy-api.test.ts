import { describe, expect, it } from 'vitest';
import { APP_TOKEN, useEmulator } from './helpers';

const h = useEmulator();

const ALL = { send: true, recv: true, pub: true, sub: true, list: true };

const uidOf = (res: Record<string, unknown>) => (res.user as { uid: number }).uid;
const gidOf = (res: Record<string, unknown>) => (res.group as { gid: number }).gid;

describe('legacy API: transport', () => {
  it('answers the documented sample request shape (GET api.php?op=userdel&token=...&uid=...)', async () => {
    const uid = uidOf(await h.legacy('useradd', { addr: 'sample' }));
    const res = await fetch(`${h.emulator.legacyUrl}?op=userdel&token=${APP_TOKEN}&uid=${uid}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ op: 'userdel', result: true });
  });

  it('accepts POST with an empty body and everything in the query string', async () => {
    const res = await fetch(`${h.emulator.legacyUrl}?op=useradd&token=${APP_TOKEN}&addr=poster&appid=web`, {
      method: 'POST',
    });
    expect(await res.json()).toMatchObject({
      op: 'useradd',
      result: true,
      user: { token: expect.any(String) },
    });
  });

  it('accepts a form-encoded POST body, and query + body together (the body wins)', async () => {
    const formOnly = await h.legacyForm({ op: 'useradd', token: APP_TOKEN, addr: 'formuser', name: 'Form' });
    expect(formOnly).toMatchObject({ op: 'useradd', result: true });
    const mixed = await h.legacyForm(
      { addr: 'mixed', name: 'from-body' },
      { op: 'useradd', token: APP_TOKEN, name: 'from-query' },
    );
    expect(mixed.result).toBe(true);
    expect((await h.control.state()).users.find((u) => u.address === 'mixed')!.name).toBe('from-body');
  });

  it('echoes an integer id as a number', async () => {
    expect(await h.legacy('useradd', { addr: 'ider', id: 77 })).toMatchObject({ result: true, id: 77 });
  });

  it('also accepts a form-encoded body on /backend/ (legacy parameter names)', async () => {
    const res = await fetch(h.emulator.backendUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ op: 'useradd', token: APP_TOKEN, addr: 'form-on-backend', appid: 'web' }),
    });
    expect(await res.json()).toMatchObject({
      op: 'useradd',
      result: true,
      user: { token: expect.any(String) },
    });
  });
});

describe('legacy API: users', () => {
  it('useradd with addr + appid + expiry issues a token; without appid only the user', async () => {
    const withToken = await h.legacy('useradd', {
      addr: 'alice@example.com',
      appid: 'com.example.app',
      expiry: 60,
      name: 'Alice',
    });
    expect(withToken).toEqual({
      op: 'useradd',
      result: true,
      user: {
        uid: expect.any(Number),
        address: 'alice@example.com',
        token: expect.stringMatching(/^[a-z0-9]{40,}$/),
      },
    });
    const token = (await h.control.state()).users[0]!.tokens[0]!;
    expect(token.expiresAt! - token.issuedAt).toBe(60 * 60_000);

    expect(await h.legacy('useradd', { addr: 'bob', active: 0 })).toEqual({
      op: 'useradd',
      result: true,
      user: { uid: expect.any(Number), address: 'bob' },
    });
    expect((await h.control.state()).users.find((u) => u.address === 'bob')).toMatchObject({
      active: false,
      tokens: [],
    });
  });

  it('useradd again keeps the uid and issues a new token', async () => {
    const a = await h.legacy('useradd', { addr: 'carol', appid: 'web' });
    const b = await h.legacy('useradd', { addr: 'carol', appid: 'web' });
    expect(uidOf(b)).toBe(uidOf(a));
    expect((b.user as { token: string }).token).not.toBe((a.user as { token: string }).token);
  });

  it('treats empty optional parameters as absent (as form clients send them)', async () => {
    expect(
      await h.legacy('useradd', { addr: 'empties', appid: 'web', expiry: '', active: '' }),
    ).toMatchObject({ result: true });
    const [user] = (await h.control.state()).users;
    expect(user!.active).toBe(true);
    expect(user!.tokens[0]!.expiresAt! - user!.tokens[0]!.issuedAt).toBe(525_600 * 60_000);
  });

  it('userset edits by uid or addr', async () => {
    const uid = uidOf(await h.legacy('useradd', { addr: 'dave' }));
    expect(await h.legacy('userset', { uid, active: 0 })).toEqual({ op: 'userset', result: true });
    expect(await h.legacy('userset', { addr: 'dave', name: 'Dave' })).toEqual({
      op: 'userset',
      result: true,
    });
    expect((await h.control.state()).users[0]).toMatchObject({ uid, name: 'Dave', active: false });
  });

  it('deltoken removes tokens (all, or one appid) and keeps the user', async () => {
    const uid = uidOf(await h.legacy('useradd', { addr: 'erin', appid: 'web' }));
    await h.legacy('useradd', { addr: 'erin', appid: 'ios' });
    expect(await h.legacy('deltoken', { uid, appid: 'ios' })).toEqual({ op: 'deltoken', result: true });
    expect((await h.control.state()).users[0]!.tokens.map((t) => t.appid)).toEqual(['web']);
    expect(await h.legacy('deltoken', { addr: 'erin' })).toMatchObject({ result: true });
    expect((await h.control.state()).users[0]).toMatchObject({ uid, tokens: [] });
  });

  it('userdel by uid and deluser by addr delete users', async () => {
    const uid = uidOf(await h.legacy('useradd', { addr: 'frank' }));
    await h.legacy('useradd', { addr: 'grace' });
    expect(await h.legacy('userdel', { uid })).toEqual({ op: 'userdel', result: true });
    expect(await h.legacy('deluser', { addr: 'grace', appid: 'web' })).toEqual({
      op: 'deluser',
      result: true,
    });
    expect((await h.control.state()).users).toEqual([]);
  });

  it('usersget / users filter with * and cap count at 20', async () => {
    for (let i = 0; i < 22; i++) await h.legacy('useradd', { addr: `p${i}` });
    await h.legacy('useradd', { addr: 'q1' });
    expect((await h.legacy('usersget')).count).toBe(20);
    const res = await h.legacy('usersget', { addr: 'q*', count: 5 });
    expect(res).toEqual({
      op: 'usersget',
      result: true,
      count: 1,
      users: [{ uid: expect.any(Number), address: 'q1', active: true }],
    });
    expect(await h.legacy('users', { addr: 'p2*' })).toMatchObject({ op: 'users', count: 3 });
  });
});

describe('legacy API: groups', () => {
  it('groupadd with name, flag, active and initial members m + permission flags', async () => {
    const res = await h.legacy('groupadd', {
      name: 'Conf',
      flag: 16,
      active: 1,
      m: 'a,b',
      cs: 0,
      canlist: 0,
    });
    // As in a captured legacy answer: the gid is a number, beside extra keys.
    expect(res).toEqual({
      op: 'groupadd',
      result: true,
      group: { gid: expect.any(Number) },
      uts: expect.stringMatching(/^\d+$/),
      disabled: 0,
    });
    expect((await h.control.state()).groups[0]).toEqual({
      gid: gidOf(res),
      name: 'Conf',
      flags: 16,
      active: true,
      members: [
        { address: 'a', permissions: { ...ALL, send: false, list: false } },
        { address: 'b', permissions: { ...ALL, send: false, list: false } },
      ],
    });
  });

  it('groupset edits and groupdel deletes', async () => {
    const gid = gidOf(await h.legacy('groupadd', { name: 'x' }));
    expect(await h.legacy('groupset', { gid, name: 'y', flag: 2, active: 0 })).toEqual({
      op: 'groupset',
      result: true,
      group: { gid },
    });
    expect((await h.control.state()).groups[0]).toMatchObject({ name: 'y', flags: 2, active: false });
    expect(await h.legacy('groupdel', { gid })).toEqual({ op: 'groupdel', result: true });
    expect((await h.control.state()).groups).toEqual([]);
  });

  it('groupeditmembers adds with cs/cr/canpub/cansub/canlist, removes with delete=1', async () => {
    const gid = gidOf(await h.legacy('groupadd', { name: 'g' }));
    await h.legacy('groupeditmembers', { gid, m: 'a,b,c', delete: 0 });
    await h.legacy('groupeditmembers', { gid, m: 'd', cs: 0, cr: 1, canpub: 0, cansub: 1, canlist: 0 });
    await h.legacy('groupeditmembers', { gid, m: 'b,zz', delete: 1 });
    const res = await h.legacy('groupgetmembers', { gid });
    expect(res).toEqual({
      op: 'groupgetmembers',
      result: true,
      gid,
      count: 3,
      members: [
        { address: 'a', permissions: ALL },
        { address: 'c', permissions: ALL },
        { address: 'd', permissions: { send: false, recv: true, pub: false, sub: true, list: false } },
      ],
    });
  });

  it('getmembers (legacy alias) honours count', async () => {
    const gid = gidOf(await h.legacy('groupadd', { m: 'a,b,c,d' }));
    const res = await h.legacy('getmembers', { gid, count: 2 });
    expect(res).toMatchObject({ op: 'getmembers', gid, count: 4 });
    expect(res.members).toHaveLength(2);
  });
});

describe('legacy API: message', () => {
  it('sends msg from an existing user to to= or gid=', async () => {
    await h.legacy('useradd', { addr: 'system' });
    const gid = gidOf(await h.legacy('groupadd', { name: 'g' }));
    const a = await h.legacy('message', {
      from: 'system',
      to: 'alice,bob',
      type: 1,
      expiry: 3600,
      msg: 'Hello',
    });
    const b = await h.legacy('message', { from: 'system', gid, msg: 'Group hello' });
    expect(a).toEqual({ op: 'message', result: true, mid: expect.any(Number) });
    expect(b.mid).toBe((a.mid as number) + 1);
    const { messages } = await h.control.state();
    expect(messages[0]).toMatchObject({
      from: 'system',
      to: ['alice', 'bob'],
      type: 1,
      expiry: 3600,
      message: 'Hello',
    });
    expect(messages[1]).toMatchObject({ gid, to: [], message: 'Group hello', expiry: 31_536_000 });
  });
});

describe('one state for both transports', () => {
  it('a user added over JSON is the same user over legacy', async () => {
    const uid = uidOf(await h.json('useradd', { user: { address: 'shared' } }));
    expect(uidOf(await h.legacy('useradd', { addr: 'shared', appid: 'web' }))).toBe(uid);
    expect(await h.legacy('userdel', { uid })).toMatchObject({ result: true });
    expect(await h.json('userset', { user: { address: 'shared' } })).toMatchObject({
      result: false,
      error: 'BADVALUE',
    });
  });
});
