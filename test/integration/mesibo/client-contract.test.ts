/**
 * Contract tests: every client method against the emulator over HTTP, in both transports, with the
 * emulator's state and request log as the witness of what reached "mesibo".
 */
import { describe, expect, it } from 'vitest';
import { createMesiboCaller } from '../../../shared/mesibo/caller';
import type { MesiboRequest } from '../../../shared/mesibo/requests';
import { errorTexts, expectSecretAbsent, failure, STYLES, useHarness } from './harness';

const ALL = { send: true, recv: true, pub: true, sub: true, list: true };
const MINUTE = 60_000;

describe.each(STYLES)('mesibo client contract over %s', (style) => {
  const h = useHarness(style);

  const userByAddress = async (address: string) =>
    (await h.control.state({ tokens: true })).users.find((u) => u.address === address);

  describe('useradd', () => {
    it('creates a user and issues a token with appid, expiry (minutes) and v2', async () => {
      const client = h.client();
      const added = await client.useradd({
        address: 'alice@example.com',
        name: 'Alice',
        active: true,
        token: { appid: 'com.example.app', expiryMinutes: 90, v2: true },
      });
      expect(added.uid).toEqual(expect.any(Number));
      expect(added.token).toEqual(expect.any(String));
      const user = await userByAddress('alice@example.com');
      expect(user).toMatchObject({ uid: added.uid, name: 'Alice', active: true });
      expect(user?.tokens).toHaveLength(1);
      const [token] = user!.tokens;
      expect(token).toMatchObject({ appid: 'com.example.app', v2: true, token: added.token });
      expect(token!.expiresAt! - token!.issuedAt).toBe(90 * MINUTE);
      // The issued user token never reaches a log line.
      expectSecretAbsent([added.token!, h.emulator.appToken], JSON.stringify(h.logs));
    });

    it('keeps the uid and issues a new token when the address exists', async () => {
      const client = h.client();
      const first = await client.useradd({ address: 'bob', token: { appid: 'a' } });
      const second = await client.useradd({ address: 'bob', token: { appid: 'a', expiryMinutes: 0 } });
      expect(second.uid).toBe(first.uid);
      expect(second.token).not.toBe(first.token);
      const user = await userByAddress('bob');
      expect(user?.tokens.at(-1)?.expiresAt).toBeNull();
    });

    it('creates a user without a token when no token options are given', async () => {
      const added = await h.client().useradd({ address: 'carol', active: false });
      expect(added).toEqual({ uid: expect.any(Number), address: 'carol' });
      expect(await userByAddress('carol')).toMatchObject({ active: false, tokens: [] });
    });

    it('asks for a v2 token bound by platform identifiers, with no appid', async () => {
      const added = await h.client().useradd({
        address: 'v2 user',
        token: { v2: true, expiryMinutes: 60, package: 'com.example' },
      });
      expect(added).toEqual({ uid: expect.any(Number), address: 'v2 user', token: expect.any(String) });
      expect((await userByAddress('v2 user'))?.tokens).toEqual([
        expect.objectContaining({ appid: null, v2: true, options: { package: 'com.example' } }),
      ]);
    });
  });

  describe('userset', () => {
    it('changes name and active, by address and by uid', async () => {
      const client = h.client();
      const { uid } = await client.useradd({ address: 'dave', name: 'D' });
      await client.userset({ address: 'dave', name: 'Dave' });
      await client.userset({ uid, active: false });
      expect(await userByAddress('dave')).toMatchObject({ name: 'Dave', active: false });
    });

    it('removes all tokens, or only those of one appid', async () => {
      const client = h.client();
      await client.useradd({ address: 'erin', token: { appid: 'a' } });
      await client.useradd({ address: 'erin', token: { appid: 'b' } });
      await client.userset({ address: 'erin', removeToken: { appid: 'a' } });
      expect((await userByAddress('erin'))?.tokens.map((t) => t.appid)).toEqual(['b']);
      await client.userset({ address: 'erin', removeToken: true });
      expect((await userByAddress('erin'))?.tokens).toEqual([]);
    });

    it('changes the profile and removes tokens in one call', async () => {
      const client = h.client();
      await client.useradd({ address: 'fay', token: { appid: 'a' } });
      await client.userset({ address: 'fay', name: 'Fay', removeToken: true });
      expect(await userByAddress('fay')).toMatchObject({ name: 'Fay', tokens: [] });
    });
  });

  describe('userdel', () => {
    it('deletes a user by address or uid', async () => {
      const client = h.client();
      await client.useradd({ address: 'gus' });
      const { uid } = await client.useradd({ address: 'hal' });
      await client.userdel({ address: 'gus' });
      await client.userdel({ uid });
      expect((await h.control.state()).users).toEqual([]);
    });
  });

  describe('usersget', () => {
    it('lists users with a wildcard filter and a count', async () => {
      const client = h.client();
      for (const address of ['team-a', 'team-b', 'team-c', 'other'])
        await client.useradd({ address, name: address });
      const all = await client.usersget();
      expect(all.count).toBe(4);
      expect(all.users[0]).toEqual({
        uid: expect.any(Number),
        address: 'team-a',
        name: 'team-a',
        active: true,
      });
      const team = await client.usersget({ address: 'team-*' });
      expect(team.users.map((u) => u.address)).toEqual(['team-a', 'team-b', 'team-c']);
      const two = await client.usersget({ address: 'team-*', count: 2 });
      expect(two).toMatchObject({ count: 2, users: [{ address: 'team-a' }, { address: 'team-b' }] });
    });

    it('is capped by the server’s list limit', async () => {
      const client = h.client();
      await h.control.configure({ maxList: 2 });
      for (const address of ['u1', 'u2', 'u3']) await client.useradd({ address });
      expect((await client.usersget({ count: 10 })).users).toHaveLength(2);
      await h.control.configure({ maxList: 20 });
    });
  });

  describe('groups', () => {
    it('groupadd creates a group with name, flags and active', async () => {
      const { gid } = await h.client().groupadd({ name: 'Ops', flags: 0x40, active: true });
      expect(gid).toEqual(expect.any(Number));
      const group = (await h.control.state()).groups.find((g) => g.gid === gid);
      expect(group).toMatchObject({ name: 'Ops', flags: 0x40, active: true, members: [] });
    });

    it('groupset edits a group', async () => {
      const client = h.client();
      const { gid } = await client.groupadd({ name: 'Ops' });
      await client.groupset({ gid, name: 'Ops 2', flags: 2, active: false });
      expect((await h.control.state()).groups[0]).toMatchObject({
        gid,
        name: 'Ops 2',
        flags: 2,
        active: false,
      });
    });

    it('groupdel deletes a group', async () => {
      const client = h.client();
      const { gid } = await client.groupadd({});
      await client.groupdel({ gid });
      expect((await h.control.state()).groups).toEqual([]);
    });

    it('groupeditmembers adds (all rights by default), updates and removes members', async () => {
      const client = h.client();
      const { gid } = await client.groupadd({ name: 'G' });
      await client.useradd({ address: 'm1' });
      await client.groupeditmembers({ gid, addresses: ['m1', 'm2', 'm3'] });
      await client.groupeditmembers({ gid, addresses: ['m2'], permissions: { send: false, list: false } });
      let members = (await h.control.state()).groups[0]!.members;
      expect(members).toEqual([
        { address: 'm1', permissions: ALL },
        { address: 'm2', permissions: { ...ALL, send: false, list: false } },
        { address: 'm3', permissions: ALL },
      ]);
      await client.groupeditmembers({ gid, addresses: ['m1', 'm3'], remove: true });
      members = (await h.control.state()).groups[0]!.members;
      expect(members.map((m) => m.address)).toEqual(['m2']);
    });

    it('groupgetmembers lists members with uid and rights, up to count', async () => {
      const client = h.client();
      const { gid } = await client.groupadd({});
      const { uid } = await client.useradd({ address: 'm1' });
      await client.groupeditmembers({ gid, addresses: ['m1', 'm2'], permissions: { pub: false } });
      const listed = await client.groupgetmembers({ gid });
      expect(listed).toEqual({
        gid,
        count: 2,
        members: [
          { uid, address: 'm1', permissions: { ...ALL, pub: false } },
          { address: 'm2', permissions: { ...ALL, pub: false } },
        ],
      });
      const one = await client.groupgetmembers({ gid, count: 1 });
      expect(one.members.map((m) => m.address)).toEqual(['m1']);
    });
  });

  describe('message', () => {
    it('sends to one user, to several, and to a group, with every field', async () => {
      const client = h.client();
      await client.useradd({ address: 'sys' });
      const { gid } = await client.groupadd({});
      const one = await client.message({
        from: 'sys',
        to: 'u1',
        type: 3,
        expirySeconds: 3600,
        whenSeconds: 30,
        title: 'Title',
        url: 'https://example.com/f.png',
        message: 'hello',
      });
      const many = await client.message({ from: 'sys', to: ['u1', 'u2'], message: 'all' });
      const group = await client.message({ from: 'sys', gid, message: 'group', expirySeconds: 0 });
      expect(one.mid).toEqual(expect.any(Number));
      expect(new Set([one.mid, many.mid, group.mid]).size).toBe(3);
      const { messages } = await h.control.state();
      expect(messages).toMatchObject([
        {
          mid: one.mid,
          from: 'sys',
          to: ['u1'],
          type: 3,
          expiry: 3600,
          when: 30,
          title: 'Title',
          url: 'https://example.com/f.png',
          message: 'hello',
        },
        { mid: many.mid, to: ['u1', 'u2'], message: 'all' },
        { mid: group.mid, to: [], gid, expiry: 0, message: 'group' },
      ]);
    });
  });

  describe('request envelope', () => {
    it('sends the caller’s id or an increasing one, and the transport’s own field names', async () => {
      const client = h.client();
      const { gid } = await client.groupadd({}, { id: 4242 });
      await client.groupeditmembers({ gid, addresses: ['a', 'b'], remove: true });
      await client.groupeditmembers({ gid, addresses: ['a', 'b'] });
      const requests = await h.control.requests();
      expect(requests.map((r) => r.transport)).toEqual([style, style, style]);
      expect(requests[0]!.params.id).toEqual(style === 'json' ? 4242 : '4242');
      const [, removal, addition] = requests;
      if (style === 'json') {
        expect(removal!.params).toMatchObject({
          op: 'groupeditmembers',
          group: { gid, delete: true, members: { m: 'a,b' } },
        });
        expect(addition!.params).toMatchObject({ group: { gid, members: { m: 'a,b', permissions: ALL } } });
        expect(addition!.params.id).toBeGreaterThan(removal!.params.id as number);
      } else {
        expect(removal!.params).toMatchObject({
          op: 'groupeditmembers',
          gid: String(gid),
          m: 'a,b',
          delete: '1',
        });
        expect(addition!.params).toMatchObject({
          delete: '0',
          cs: '1',
          cr: '1',
          canpub: '1',
          cansub: '1',
          canlist: '1',
        });
      }
      // The emulator sees the token in the body only; its log stores it redacted.
      expect(JSON.stringify(requests)).not.toContain(h.emulator.appToken);
      expect(h.logs.some((l) => l.level === 'warn')).toBe(false);
    });
  });

  describe('failure envelope', () => {
    it('BADVALUE carries code, cause, action and the fields at fault; not retried', async () => {
      const client = h.client();
      // Any non-blank address is valid at mesibo (a blank one never leaves the client), so the
      // refused value is an address no user has.
      const error = await failure(client.userdel({ address: 'nobody-here' }));
      expect(error).toMatchObject({
        name: 'MesiboError',
        op: 'userdel',
        kind: 'api',
        error: 'BADVALUE',
        code: 400,
        httpStatus: 200,
        retryable: false,
        attempts: 1,
        properties: [style === 'json' ? 'user.address' : 'addr'],
      });
      expect(error.cause).toEqual(expect.any(String));
      expect(error.action).toEqual(expect.any(String));
      expect((await h.control.requests()).length).toBe(1);
      expectSecretAbsent([h.emulator.appToken], ...errorTexts(error));
    });

    it('BADVALUE for an unknown user, group or sender', async () => {
      const client = h.client();
      expect((await failure(client.userdel({ address: 'nobody' }))).error).toBe('BADVALUE');
      expect((await failure(client.groupgetmembers({ gid: 999 }))).error).toBe('BADVALUE');
      const noSender = await failure(client.message({ from: 'ghost', to: 'x', message: 'm' }));
      expect(noSender).toMatchObject({
        error: 'BADVALUE',
        properties: [style === 'json' ? 'message.from' : 'from'],
      });
    });

    it('AUTHFAIL when the token stays wrong after one refresh', async () => {
      const calls: unknown[] = [];
      const client = h.client({
        appToken: async (o) => {
          calls.push(o);
          return 'wrong-app-token-0123456789';
        },
      });
      const error = await failure(client.usersget());
      expect(error).toMatchObject({
        error: 'AUTHFAIL',
        kind: 'api',
        code: 401,
        retryable: false,
        attempts: 1,
      });
      expect(error.properties).toEqual(['token']);
      expect(calls).toEqual([undefined, { forceRefresh: true }]);
      expectSecretAbsent(['wrong-app-token-0123456789'], ...errorTexts(error), JSON.stringify(h.logs));
    });

    it('AUTHFAIL after a refresh that yields another wrong token', async () => {
      let n = 0;
      const client = h.client({ appToken: async () => `wrong-app-token-${n++}-abcdefghij` });
      const error = await failure(client.groupadd({}));
      expect(error).toMatchObject({ error: 'AUTHFAIL', attempts: 2 });
      expect((await h.control.requests()).length).toBe(2);
      expectSecretAbsent(
        ['wrong-app-token-0-abcdefghij', 'wrong-app-token-1-abcdefghij'],
        ...errorTexts(error),
      );
    });

    it('TOKENBREACH once a sixth caller IP uses the token', async () => {
      await h.control.configure({ tokenBreach: true });
      const from = (n: number) => h.client({ localAddress: `127.0.0.${n}` });
      try {
        for (const n of [1, 2, 3, 4, 5]) await from(n).usersget();
        const error = await failure(from(6).usersget());
        expect(error).toMatchObject({
          error: 'TOKENBREACH',
          kind: 'api',
          code: 403,
          retryable: false,
          attempts: 1,
        });
        expectSecretAbsent([h.emulator.appToken], ...errorTexts(error));
      } finally {
        await h.control.configure({ tokenBreach: false });
      }
    });

    it('BADOP for an op mesibo does not know (kept verbatim)', async () => {
      const caller = createMesiboCaller({
        baseUrl: h.baseUrl,
        style,
        appToken: async () => h.emulator.appToken,
      });
      try {
        const forged = { op: 'nosuchop', input: {} } as unknown as MesiboRequest;
        const error = await failure(caller.execute(forged, () => undefined));
        expect(error).toMatchObject({
          op: 'nosuchop',
          error: 'BADOP',
          code: 400,
          properties: ['op'],
          attempts: 1,
        });
      } finally {
        await caller.close();
      }
    });

    it('BADREQUEST with the HTTP status when the endpoint is wrong', async () => {
      const client = h.client({ baseUrl: `${h.emulator.url}/nowhere` });
      const error = await failure(client.usersget());
      expect(error).toMatchObject({
        kind: 'api',
        error: 'BADREQUEST',
        code: 404,
        httpStatus: 404,
        retryable: false,
      });
    });
  });
});
