/**
 * mesibo's own PHP helpers (mesibo/samples, backend-api/php), unmodified, against the emulator over
 * loopback HTTP: every function each version offers, in each transport it has, with the effects
 * checked in the emulator's state. Where php or the helpers are absent the test skips and says why.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorState } from '../../../local/mesibo-emulator/control';
import { APP_TOKEN, useEmulator } from './helpers';
import {
  helperCopies,
  type PhpSession,
  type PhpTransport,
  phpHelpersSkipReason,
  phpSession,
} from './php-helpers';

const CLOCK = 1_700_000_000_000;
const MINUTE = 60_000;
const ALL = { send: true, recv: true, pub: true, sub: true, list: true };

const userOf = (state: EmulatorState, address: string) => state.users.find((u) => u.address === address);

/** The 2022 helper: mesibohelper.php over mesiboapi.php, JSON or (with `$jsonapi = false`) flat GET. */
const run2022 = async (h: ReturnType<typeof useEmulator>, php: PhpSession, transport: PhpTransport) => {
  // MesiboAddUser($address, $appid, $session, $expiry, $flag)
  const alice = await php.call('MesiboAddUser', 'alice', 'com.example.app', 0, 60, 0);
  expect(alice).toMatchObject({
    op: 'useradd',
    result: true,
    user: { uid: expect.any(Number), address: 'alice', token: expect.any(String) },
  });
  expect(await php.call('MesiboAddUser', 'bob', null, null, null, null)).toEqual({
    op: 'useradd',
    result: true,
    user: { uid: expect.any(Number), address: 'bob' },
  });
  expect(await php.call('MesiboAddUser', 'Api User-1', 'web', null, null, 4)).toMatchObject({ result: true });

  let state = await h.control.state({ tokens: true });
  const aliceUser = userOf(state, 'alice')!;
  expect(aliceUser.flags).toBe(0);
  expect(aliceUser.tokens).toEqual([
    {
      appid: 'com.example.app',
      issuedAt: CLOCK,
      expiresAt: CLOCK + 60 * MINUTE,
      v2: false,
      options: { session: transport === 'json' ? 0 : '0' },
      token: (alice.user as { token: string }).token,
    },
  ]);
  expect(userOf(state, 'bob')!.tokens).toEqual([]);
  expect(userOf(state, 'Api User-1')).toMatchObject({
    flags: 4,
    tokens: [{ appid: 'web', expiresAt: CLOCK + 525_600 * MINUTE }],
  });

  // MesiboCreateGroup($name, $flags, $start, $duration, $members, $calls): calls only in JSON.
  const team = await php.call('MesiboCreateGroup', 'team', 0, 0, 0, 'alice,bob', null);
  expect(team).toMatchObject({ op: 'groupadd', result: true, group: { gid: expect.any(Number) } });
  const gid = (team.group as { gid: number }).gid;
  const call = await php.call('MesiboCreateGroup', 'call', 1, 1_700_000_100, 3600, null, { video: true });
  const callGid = (call.group as { gid: number }).gid;
  // MesiboSetGroup($groupid, $name, $flags, $members)
  expect(await php.call('MesiboSetGroup', gid, 'team-2', 0, 'carol')).toMatchObject({
    op: 'groupset',
    result: true,
    group: { gid },
  });
  // MesiboEditMembers builds its members after copying the group into the request, so it sends
  // only { gid, delete }: an empty edit, which changes nothing.
  expect(await php.call('MesiboEditMembers', gid, 'dave', false)).toMatchObject({ result: true });
  expect(await php.call('MesiboEditMembers', gid, 'bob', true)).toMatchObject({ result: true });

  state = await h.control.state();
  expect(state.groups.find((g) => g.gid === gid)).toEqual({
    gid,
    name: 'team-2',
    flags: 0,
    active: true,
    extra: { duration: transport === 'json' ? 0 : '0' },
    members: ['alice', 'bob', 'carol'].map((address) => ({ address, permissions: ALL })),
  });
  expect(state.groups.find((g) => g.gid === callGid)).toMatchObject({
    name: 'call',
    flags: 1,
    extra:
      transport === 'json'
        ? { start: 1_700_000_100, duration: 3600, call: { video: true } }
        : { start: '1700000100', duration: '3600' },
    members: [],
  });

  // MesiboGetMembers($groupid)
  expect(await php.call('MesiboGetMembers', gid)).toMatchObject({
    op: 'groupgetmembers',
    result: true,
    count: 3,
    members: ['alice', 'bob', 'carol'].map((address) => expect.objectContaining({ address })),
  });

  // MesiboMessage($from, $to, $groupid, $type, $expiry, $flag, $message): it sends an undefined
  // $flags, so flags is null in JSON and empty in the query.
  expect(await php.call('MesiboMessage', 'alice', 'bob,Api User-1', 0, 0, 3600, 0, 'hello')).toMatchObject({
    op: 'message',
    result: true,
    mid: expect.any(Number),
  });
  expect(await php.call('MesiboMessage', 'alice', null, gid, 1, 60, 0, 'hello team')).toMatchObject({
    result: true,
  });
  const flags = transport === 'json' ? { flags: null } : {};
  expect((await h.control.state()).messages).toEqual([
    expect.objectContaining({
      from: 'alice',
      to: ['bob', 'Api User-1'],
      message: 'hello',
      expiry: 3600,
      ...flags,
    }),
    expect.objectContaining({
      from: 'alice',
      to: [],
      gid,
      type: 1,
      message: 'hello team',
      expiry: 60,
      ...flags,
    }),
  ]);

  // MesiboDeleteToken($address), MesiboDeleteUser($address), MesiboDeleteGroup($groupid)
  expect(await php.call('MesiboDeleteToken', 'alice')).toMatchObject({ op: 'userset', result: true });
  expect(await php.call('MesiboDeleteUser', 'bob')).toMatchObject({ op: 'userdel', result: true });
  expect(await php.call('MesiboDeleteGroup', callGid)).toMatchObject({ op: 'groupdel', result: true });
  state = await h.control.state();
  expect(userOf(state, 'alice')!.tokens).toEqual([]);
  expect(userOf(state, 'bob')).toBeUndefined();
  expect(state.groups.map((g) => g.gid)).toEqual([gid]);
};

/** The current helper: MesiboOTP and MesiboAddUser (always a v2 token), and the generic MesiboAPI. */
const runCurrent = async (h: ReturnType<typeof useEmulator>, php: PhpSession) => {
  // MesiboOTP($address, $tries, $expiry, $reuse)
  const issued = await php.call('MesiboOTP', '+15550100', 3, 300, false);
  expect(issued).toMatchObject({ op: 'otp', result: true, otp: expect.stringMatching(/^\d{6}$/) });
  const code = issued.otp as string;
  expect((await h.control.state()).otps).toEqual([
    { address: '+15550100', issuedAt: CLOCK, expiresAt: CLOCK + 300_000, triesLeft: 3, reuse: false },
  ]);

  // MesiboAddUser($name, $address, $appid, $expiry, $otp)
  const wrong = code === '000000' ? '000001' : '000000';
  expect(await php.call('MesiboAddUser', 'Otto', '+15550100', 'com.example.app', 60, wrong)).toMatchObject({
    op: 'useradd',
    result: false,
    error: 'BADVALUE',
    properties: ['user.otp'],
  });
  expect((await h.control.state()).otps[0]!.triesLeft).toBe(2);
  const otto = await php.call('MesiboAddUser', 'Otto', '+15550100', 'com.example.app', 60, code);
  expect(otto).toMatchObject({
    op: 'useradd',
    result: true,
    user: { uid: expect.any(Number), address: '+15550100', token: expect.any(String) },
  });
  expect(await php.call('MesiboAddUser', 'Jane', 'jane@example.com', '', 0, '')).toMatchObject({
    result: true,
  });
  expect(await php.call('MesiboAddUser', 'Api', 'Api User-1', 'web', null, null)).toMatchObject({
    result: true,
  });

  const state = await h.control.state();
  expect(state.otps).toEqual([]);
  expect(userOf(state, '+15550100')).toMatchObject({
    name: 'Otto',
    tokens: [{ appid: 'com.example.app', expiresAt: CLOCK + 60 * MINUTE, v2: true }],
  });
  // An empty appid beside v2 is a v2 token without one; expiry 0 never expires.
  expect(userOf(state, 'jane@example.com')!.tokens).toEqual([
    { appid: null, issuedAt: CLOCK, expiresAt: null, v2: true },
  ]);
  expect(userOf(state, 'Api User-1')!.tokens).toEqual([
    { appid: 'web', issuedAt: CLOCK, expiresAt: CLOCK + 525_600 * MINUTE, v2: true },
  ]);

  // MesiboAPI with its docblock's own example.
  const listed = await php.call('MesiboAPI', { op: 'users', count: 10 });
  expect(listed).toMatchObject({ op: 'users', result: true, count: 3 });
  expect((listed.users as { address: string }[]).map((u) => u.address).sort()).toEqual([
    '+15550100',
    'Api User-1',
    'jane@example.com',
  ]);
};

const skipReason = phpHelpersSkipReason();

if (skipReason) {
  console.warn(`\n${'!'.repeat(78)}\n!! SKIPPING mesibo's PHP helpers: ${skipReason}\n${'!'.repeat(78)}\n`);
  describe("mesibo's PHP helpers", () => {
    it('run unmodified against the emulator', (ctx) => ctx.skip(skipReason));
  });
} else {
  describe("mesibo's PHP helpers, unmodified, against the emulator", () => {
    const h = useEmulator({ now: () => CLOCK });
    let php: PhpSession | undefined;

    afterEach(async () => {
      await php?.close();
      php = undefined;
    });

    for (const copy of helperCopies()) {
      for (const transport of copy.transports) {
        it(`the ${copy.generation} helper in ${copy.dir} over ${transport}`, async () => {
          php = await phpSession(copy, transport, h.emulator);
          if (copy.generation === '2022') await run2022(h, php, transport);
          else await runCurrent(h, php);

          // The transport the helper was switched to is the one that reached the emulator.
          const transports = new Set((await h.control.requests()).map((r) => r.transport));
          expect([...transports]).toEqual([transport === 'json' ? 'json' : 'legacy']);
          // A boolean, so that a failure does not print the token either.
          expect(
            php.outputs.some((output) => output.includes(APP_TOKEN)),
            'app token in php output',
          ).toBe(false);
        });
      }
    }
  });
}
