/**
 * OTPs (issued, checked on useradd, expiry and tries honoured), usertoken, v2 tokens and the fields
 * the emulator keeps, over JSON and the flat transport.
 */
import { describe, expect, it } from 'vitest';
import { useEmulator } from './helpers';

let clock = 1_700_000_000_000;
const h = useEmulator({ now: () => clock });

const issueOtp = async (address: string, extra: Record<string, unknown> = {}) =>
  (await h.json('otp', { otp: { address, tries: 2, expiry: 60, ...extra } })).otp as string;

const addWithOtp = (address: string, otp: string) =>
  h.json('useradd', { user: { address, otp, token: { appid: 'app' } } });

describe('otp', () => {
  it('a right code lets useradd through once; the pending OTP is shown in state', async () => {
    const code = await issueOtp('+15550001');
    expect(code).toMatch(/^\d{6}$/);
    expect((await h.control.state({ tokens: true })).otps).toEqual([
      { address: '+15550001', issuedAt: clock, expiresAt: clock + 60_000, triesLeft: 2, reuse: false, code },
    ]);
    expect((await h.control.state()).otps[0]).not.toHaveProperty('code');
    expect(await addWithOtp('+15550001', code)).toMatchObject({
      result: true,
      user: { token: expect.any(String) },
    });
    expect(await addWithOtp('+15550001', code)).toMatchObject({ result: false, properties: ['user.otp'] });
  });

  it('a wrong code uses a try and the last try ends the OTP, creating no user', async () => {
    const code = await issueOtp('a');
    const wrong = code === '000000' ? '000001' : '000000';
    expect(await addWithOtp('a', wrong)).toMatchObject({ result: false, error: 'BADVALUE' });
    expect((await h.control.state()).otps[0]!.triesLeft).toBe(1);
    expect(await addWithOtp('a', wrong)).toMatchObject({ result: false });
    expect((await h.control.state()).otps).toEqual([]);
    expect(await addWithOtp('a', code)).toMatchObject({ result: false });
    expect((await h.control.state()).users).toEqual([]);
  });

  it('an expired code is refused', async () => {
    const code = await issueOtp('b');
    clock += 60_000;
    expect(await addWithOtp('b', code)).toMatchObject({
      result: false,
      cause: expect.stringMatching(/expired/),
    });
  });

  it('reuse hands back the pending code and keeps it valid after use; flat requests work the same', async () => {
    const first = (await h.legacy('otp', { addr: 'c', tries: 3, expiry: 300, reuse: 1 })).otp as string;
    expect((await h.legacy('otp', { addr: 'c', reuse: 1 })).otp).toBe(first);
    expect(await h.legacy('useradd', { addr: 'c', otp: first, appid: 'x' })).toMatchObject({ result: true });
    expect(await h.legacy('useradd', { addr: 'c', otp: first, appid: 'x' })).toMatchObject({ result: true });
    expect(await h.legacy('useradd', { addr: 'c', otp: 'nope', appid: 'x' })).toMatchObject({
      result: false,
      properties: ['otp'],
    });
  });
});

describe('tokens', () => {
  it('usertoken adds a token to an existing user by uid, over both transports', async () => {
    const { uid } = (await h.json('useradd', { user: { address: 'java' } })).user as { uid: number };
    const json = await h.json('usertoken', { user: { uid, token: { appid: 'a1', expiry: 10 } } });
    const flat = await h.legacy('usertoken', { uid, appid: 'a2' });
    expect(json).toMatchObject({
      result: true,
      user: { uid, address: 'java', appid: 'a1', token: expect.any(String) },
    });
    expect(flat).toMatchObject({ result: true, user: { uid, appid: 'a2' } });
    expect((await h.control.state()).users[0]!.tokens.map((t) => t.appid)).toEqual(['a1', 'a2']);
  });

  it('a v2 token needs no appid; its platform fields are kept as options', async () => {
    await h.json('useradd', {
      user: { address: 'v2', token: { v2: true, expiry: 60, package: 'com.example', url: 'https://x' } },
    });
    expect((await h.control.state()).users[0]!.tokens).toEqual([
      expect.objectContaining({
        appid: null,
        v2: true,
        options: { package: 'com.example', url: 'https://x' },
      }),
    ]);
  });
});

describe('fields kept in state', () => {
  it('user flags and groups, group expiry and admin, message channel, unknown fields as extra', async () => {
    await h.json('useradd', { user: { address: 'u', flags: 3, profile: { name: 'U' } } });
    await h.legacy('userset', { addr: 'u', groups: 9 });
    const group = (
      await h.json('groupadd', {
        group: {
          name: 'g',
          expiry: 100,
          expiryext: 5,
          duration: 30,
          members: { m: 'u', admin: { owner: true } },
        },
      })
    ).group as { gid: number };
    await h.legacy('message', {
      from: 'u',
      gid: group.gid,
      msg: 'x',
      channel: 2,
      flag: 4,
      forced: 1,
      sig: 'none',
    });
    const state = await h.control.state();
    expect(state.users[0]).toMatchObject({ flags: 3, groups: 9, extra: { profile: { name: 'U' } } });
    expect(state.groups[0]).toMatchObject({
      expiry: 100,
      expiryext: 5,
      extra: { duration: 30 },
      members: [{ address: 'u', admin: { owner: true } }],
    });
    expect(state.messages[0]).toMatchObject({ channel: 2, flags: 4, forced: true, extra: { sig: 'none' } });
  });
});
