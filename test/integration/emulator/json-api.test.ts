import { describe, expect, it } from 'vitest';
import { useEmulator } from './helpers';

const h = useEmulator();

const ALL = { send: true, recv: true, pub: true, sub: true, list: true };

describe('JSON API: users', () => {
  it('useradd creates a user and issues a token bound to the appid, echoing the id', async () => {
    const res = await h.json('useradd', {
      id: 42,
      user: {
        address: 'alice@example.com',
        name: 'Alice',
        token: { appid: 'com.example.app', expiry: 525600 },
      },
    });
    expect(res).toMatchObject({ op: 'useradd', result: true, id: 42 });
    const user = res.user as { uid: number; token: string };
    expect(user.uid).toBeTypeOf('number');
    expect(user.token).toMatch(/^[a-z0-9]{40,}$/);

    const state = await h.control.state({ tokens: true });
    expect(state.users).toEqual([
      {
        uid: user.uid,
        address: 'alice@example.com',
        name: 'Alice',
        active: true,
        tokens: [
          {
            appid: 'com.example.app',
            issuedAt: expect.any(Number),
            expiresAt: expect.any(Number),
            v2: false,
            token: user.token,
          },
        ],
      },
    ]);
    const token = state.users[0]!.tokens[0]!;
    expect(token.expiresAt! - token.issuedAt).toBe(525600 * 60_000);
  });

  it('useradd without token options creates the user and returns no token', async () => {
    const res = await h.json('useradd', { user: { address: 'bob' } });
    expect(res).toEqual({ op: 'useradd', result: true, user: { uid: expect.any(Number), address: 'bob' } });
  });

  it('useradd with a token object of nulls (the 2022 PHP helper without an appid) issues no token', async () => {
    const res = await h.json('useradd', {
      user: { address: 'nulls', flags: null, token: { appid: null, session: null, expiry: null } },
    });
    expect(res).toEqual({ op: 'useradd', result: true, user: { uid: expect.any(Number), address: 'nulls' } });
    expect((await h.control.state()).users[0]!.tokens).toEqual([]);
  });

  it('useradd on an existing address keeps the uid, adds a token (the earlier one stays) and updates name/active', async () => {
    const first = await h.json('useradd', { user: { address: 'carol', name: 'C', token: { appid: 'app' } } });
    const second = await h.json('useradd', {
      user: { address: 'carol', name: 'Carol', active: false, token: { appid: 'app', v2: true } },
    });
    const a = first.user as { uid: number; token: string };
    const b = second.user as { uid: number; token: string };
    expect(b.uid).toBe(a.uid);
    expect(b.token).not.toBe(a.token);
    const [user] = (await h.control.state({ tokens: true })).users;
    expect(user).toMatchObject({ uid: a.uid, name: 'Carol', active: false });
    expect(user!.tokens).toEqual([
      expect.objectContaining({ appid: 'app', v2: false, token: a.token }),
      expect.objectContaining({ appid: 'app', v2: true, token: b.token }),
    ]);
  });

  it('useradd defaults the token expiry to one year; expiry 0 never expires', async () => {
    await h.json('useradd', { user: { address: 'dflt', token: { appid: 'a' } } });
    await h.json('useradd', { user: { address: 'never', token: { appid: 'a', expiry: 0 } } });
    const users = (await h.control.state()).users;
    const dflt = users.find((u) => u.address === 'dflt')!.tokens[0]!;
    expect(dflt.expiresAt! - dflt.issuedAt).toBe(525_600 * 60_000);
    expect(users.find((u) => u.address === 'never')!.tokens[0]!.expiresAt).toBeNull();
  });

  it('useradd accepts a numeric address and stores it as text', async () => {
    const res = await h.json('useradd', { user: { address: 12345 } });
    expect(res.result).toBe(true);
    expect((await h.control.state()).users[0]!.address).toBe('12345');
  });

  it('userset edits a user by address or uid', async () => {
    const { user } = await h.json('useradd', { user: { address: 'dave' } });
    const uid = (user as { uid: number }).uid;
    expect(await h.json('userset', { id: 7, user: { address: 'dave', name: 'Dave' } })).toEqual({
      op: 'userset',
      result: true,
      id: 7,
    });
    expect(await h.json('userset', { user: { uid, active: false } })).toMatchObject({ result: true });
    expect((await h.control.state()).users[0]).toMatchObject({ uid, name: 'Dave', active: false });
  });

  it('userset with user.token.remove removes all tokens, or only those of one appid', async () => {
    await h.json('useradd', { user: { address: 'erin', token: { appid: 'web' } } });
    await h.json('useradd', { user: { address: 'erin', token: { appid: 'ios' } } });
    await h.json('useradd', { user: { address: 'erin', token: { appid: 'android' } } });
    expect((await h.control.state()).users[0]!.tokens).toHaveLength(3);

    await h.json('userset', { user: { address: 'erin', token: { remove: true, appid: 'web' } } });
    expect((await h.control.state()).users[0]!.tokens.map((t) => t.appid).sort()).toEqual(['android', 'ios']);

    await h.json('userset', { user: { address: 'erin', token: { remove: true } } });
    const [erin] = (await h.control.state()).users;
    expect(erin!.tokens).toEqual([]);
    expect(erin!.address).toBe('erin');
  });

  it('userdel deletes by address or uid', async () => {
    await h.json('useradd', { user: { address: 'frank' } });
    const { user } = await h.json('useradd', { user: { address: 'grace' } });
    expect(await h.json('userdel', { user: { address: 'frank' } })).toEqual({ op: 'userdel', result: true });
    expect(await h.json('userdel', { user: { uid: (user as { uid: number }).uid } })).toMatchObject({
      result: true,
    });
    expect((await h.control.state()).users).toEqual([]);
  });

  it('deluser (legacy alias) deletes a user too', async () => {
    await h.json('useradd', { user: { address: 'heidi' } });
    expect(await h.json('deluser', { user: { address: 'heidi' } })).toMatchObject({
      op: 'deluser',
      result: true,
    });
    expect((await h.control.state()).users).toEqual([]);
  });

  it('usersget and users list users, filter by wildcard and cap the count', async () => {
    for (let i = 0; i < 25; i++)
      await h.json('useradd', { user: { address: `user${i}@corp.example`, name: `U${i}` } });
    await h.json('useradd', { user: { address: 'outsider@other.example' } });

    const all = await h.json('usersget', {});
    expect(all.count).toBe(20);
    expect(all.users).toHaveLength(20);
    expect((all.users as unknown[])[0]).toEqual({
      uid: expect.any(Number),
      address: 'user0@corp.example',
      name: 'U0',
      active: true,
    });

    const filtered = await h.json('usersget', { user: { address: '*@other.example' } });
    expect(filtered).toMatchObject({
      op: 'usersget',
      result: true,
      count: 1,
      users: [{ address: 'outsider@other.example' }],
    });

    const topLevelFilter = await h.json('users', { addr: 'user1*', count: 3 });
    expect(topLevelFilter).toMatchObject({ op: 'users', result: true, count: 3 });
    expect((topLevelFilter.users as { address: string }[]).map((u) => u.address)).toEqual([
      'user1@corp.example',
      'user10@corp.example',
      'user11@corp.example',
    ]);

    const capped = await h.json('usersget', { count: 1000 });
    expect(capped.count).toBe(20);
  });

  it('usersget honours maxList from the settings', async () => {
    for (let i = 0; i < 5; i++) await h.json('useradd', { user: { address: `m${i}` } });
    await h.control.configure({ maxList: 2 });
    expect((await h.json('usersget', { count: 10 })).count).toBe(2);
  });
});

describe('JSON API: groups', () => {
  const newGroup = async (group: Record<string, unknown> = {}) => {
    const res = await h.json('groupadd', { group });
    return (res.group as { gid: number }).gid;
  };

  it('groupadd creates a group with name, flags, active and initial members', async () => {
    const res = await h.json('groupadd', {
      id: 1,
      group: {
        name: 'Team',
        flags: 0x2,
        active: true,
        members: { m: 'alice,bob', permissions: { pub: false } },
      },
    });
    expect(res).toEqual({ op: 'groupadd', result: true, id: 1, group: { gid: expect.any(Number) } });
    const [group] = (await h.control.state()).groups;
    expect(group).toEqual({
      gid: (res.group as { gid: number }).gid,
      name: 'Team',
      flags: 2,
      active: true,
      members: [
        { address: 'alice', permissions: { ...ALL, pub: false } },
        { address: 'bob', permissions: { ...ALL, pub: false } },
      ],
    });
  });

  it('groupset edits a group and answers its gid', async () => {
    const gid = await newGroup({ name: 'Old' });
    expect(await h.json('groupset', { group: { gid, name: 'New', flags: 1, active: false } })).toEqual({
      op: 'groupset',
      result: true,
      group: { gid },
    });
    expect((await h.control.state()).groups[0]).toMatchObject({ gid, name: 'New', flags: 1, active: false });
  });

  it('groupdel deletes a group', async () => {
    const gid = await newGroup();
    expect(await h.json('groupdel', { group: { gid } })).toEqual({ op: 'groupdel', result: true });
    expect((await h.control.state()).groups).toEqual([]);
  });

  it('groupeditmembers adds members (any address, user or not) with default and explicit permissions', async () => {
    const gid = await newGroup();
    await h.json('useradd', { user: { address: 'alice' } });
    await h.json('groupeditmembers', { group: { gid, members: { m: 'alice,not-a-user' } } });
    await h.json('groupeditmembers', {
      group: {
        gid,
        members: {
          m: 'listener',
          permissions: { send: false, recv: true, pub: false, sub: true, list: false },
        },
      },
    });
    const members = await h.json('groupgetmembers', { group: { gid } });
    expect(members).toEqual({
      op: 'groupgetmembers',
      result: true,
      gid,
      count: 3,
      members: [
        { uid: expect.any(Number), address: 'alice', permissions: ALL },
        { address: 'not-a-user', permissions: ALL },
        { address: 'listener', permissions: { send: false, recv: true, pub: false, sub: true, list: false } },
      ],
    });
  });

  it('groupeditmembers updates the permissions of an existing member', async () => {
    const gid = await newGroup({ members: { m: 'alice' } });
    await h.json('groupeditmembers', {
      group: { gid, members: { m: 'alice', permissions: { send: false } } },
    });
    expect((await h.control.state()).groups[0]!.members).toEqual([
      { address: 'alice', permissions: { ...ALL, send: false } },
    ]);
  });

  it.each([
    ['group.delete', (m: string) => ({ delete: true, members: { m } })],
    ['group.members.delete', (m: string) => ({ members: { m, delete: true } })],
    ['group.members.remove', (m: string) => ({ members: { m, remove: 1 } })],
    ['permissions: null', (m: string) => ({ members: { m, permissions: null } })],
  ])('groupeditmembers removes members with %s; removing a non-member is a no-op', async (_, shape) => {
    const gid = await newGroup({ members: { m: 'a,b,c' } });
    const res = await h.json('groupeditmembers', { group: { gid, ...shape('a,c,never-a-member') } });
    expect(res).toEqual({ op: 'groupeditmembers', result: true });
    expect((await h.control.state()).groups[0]!.members.map((m) => m.address)).toEqual(['b']);
  });

  it('groupgetmembers (and getmembers) caps the list with top-level count but reports the total', async () => {
    const addresses = Array.from({ length: 30 }, (_, i) => `member${i}`);
    const gid = await newGroup({ members: { m: addresses.join(',') } });
    const capped = await h.json('groupgetmembers', { group: { gid } });
    expect(capped.count).toBe(30);
    expect(capped.members).toHaveLength(20);
    const few = await h.json('getmembers', { group: { gid }, count: 5 });
    expect(few).toMatchObject({ op: 'getmembers', result: true, gid, count: 30 });
    expect((few.members as { address: string }[]).map((m) => m.address)).toEqual(addresses.slice(0, 5));
  });

  it('holds a 10,000-member group', async () => {
    const addresses = Array.from({ length: 10_000 }, (_, i) => `bulk${i}`);
    const gid = await newGroup();
    await h.json('groupeditmembers', { group: { gid, members: { m: addresses.join(',') } } });
    await h.json('groupeditmembers', { group: { gid, delete: true, members: { m: 'bulk9999,bulk0' } } });
    expect((await h.json('groupgetmembers', { group: { gid }, count: 1 })).count).toBe(9_998);
  });
});

describe('JSON API: message', () => {
  it('sends from an existing user to comma-separated recipients, with incrementing mids', async () => {
    await h.json('useradd', { user: { address: 'system' } });
    const first = await h.json('message', {
      id: 9,
      message: {
        from: 'system',
        to: 'alice,bob',
        type: 1,
        expiry: 3600,
        when: 60,
        title: 'T',
        url: 'https://x.example/f',
        message: 'Hello',
      },
    });
    expect(first).toEqual({ op: 'message', result: true, id: 9, mid: expect.any(Number) });
    const second = await h.json('message', { message: { from: 'system', to: 'carol', message: 'again' } });
    expect(second.mid).toBe((first.mid as number) + 1);

    const { messages } = await h.control.state();
    expect(messages[0]).toEqual({
      mid: first.mid,
      from: 'system',
      to: ['alice', 'bob'],
      type: 1,
      expiry: 3600,
      when: 60,
      title: 'T',
      url: 'https://x.example/f',
      message: 'Hello',
      at: expect.any(Number),
    });
    expect(messages[1]).toMatchObject({ to: ['carol'], type: 0, expiry: 31_536_000, when: 0 });
  });

  it('sends to an existing group', async () => {
    await h.json('useradd', { user: { address: 'system' } });
    const gid = ((await h.json('groupadd', { group: { name: 'g' } })).group as { gid: number }).gid;
    expect(await h.json('message', { message: { from: 'system', gid, message: 'to all' } })).toMatchObject({
      result: true,
    });
    expect((await h.control.state()).messages[0]).toMatchObject({ from: 'system', gid, to: [] });
  });
});
