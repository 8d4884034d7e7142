import { describe, expect, it } from 'vitest';
import { ApiFailure } from '../../../local/mesibo-emulator/failure';
import {
  ALL_PERMISSIONS,
  applyOp,
  createModel,
  type OpContext,
  snapshotModel,
} from '../../../local/mesibo-emulator/model';

const setup = () => {
  let clock = 1_000_000;
  let tokens = 0;
  const ctx: OpContext = {
    now: () => clock,
    newToken: () => `token-${++tokens}`.padEnd(40, 'x'),
    newOtp: () => '123456',
    maxList: 20,
  };
  return { model: createModel(), ctx, tick: (ms: number) => (clock += ms) };
};

const failureOf = (fn: () => unknown): ApiFailure => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiFailure) return error;
    throw error;
  }
  throw new Error('expected an ApiFailure');
};

describe('state ops', () => {
  it('useradd keeps the uid per address and adds a token, keeping the earlier ones of the same appid', () => {
    const { model, ctx, tick } = setup();
    const a = applyOp(model, ctx, {
      op: 'useradd',
      address: 'alice',
      token: { appid: 'web', expiryMinutes: 10, v2: false },
    });
    tick(5);
    const b = applyOp(model, ctx, {
      op: 'useradd',
      address: 'alice',
      token: { appid: 'web', expiryMinutes: 0, v2: true },
    });
    const c = applyOp(model, ctx, { op: 'useradd', address: 'bob' });
    expect(a.user).toEqual({ uid: 1001, address: 'alice', token: expect.stringMatching(/^token-1/) });
    expect(b.user).toEqual({ uid: 1001, address: 'alice', token: expect.stringMatching(/^token-2/) });
    expect(c.user).toEqual({ uid: 1002, address: 'bob' });
    const [alice] = snapshotModel(model, true).users;
    expect(alice!.tokens).toEqual([
      {
        appid: 'web',
        issuedAt: 1_000_000,
        expiresAt: 1_600_000,
        v2: false,
        token: (a.user as { token: string }).token,
      },
      {
        appid: 'web',
        issuedAt: 1_000_005,
        expiresAt: null,
        v2: true,
        token: (b.user as { token: string }).token,
      },
    ]);
  });

  it('useradd drops expired tokens when it issues a new one', () => {
    const { model, ctx, tick } = setup();
    const token = (expiryMinutes: number) => ({ appid: 'web', expiryMinutes, v2: false });
    applyOp(model, ctx, { op: 'useradd', address: 'alice', token: token(1) });
    applyOp(model, ctx, { op: 'useradd', address: 'alice', token: token(10) });
    tick(60_000);
    applyOp(model, ctx, { op: 'useradd', address: 'alice', token: token(10) });
    const [alice] = snapshotModel(model, false).users;
    expect(alice!.tokens.map((t) => t.issuedAt)).toEqual([1_000_000, 1_060_000]);
  });

  it('computes token expiry in minutes from the injected clock', () => {
    const { model, ctx } = setup();
    applyOp(model, ctx, { op: 'useradd', address: 'a', token: { appid: 'x', expiryMinutes: 3, v2: false } });
    expect(snapshotModel(model, false).users[0]!.tokens[0]).toEqual({
      appid: 'x',
      issuedAt: 1_000_000,
      expiresAt: 1_180_000,
      v2: false,
    });
  });

  it('userset/userdel find users by address or uid and refuse mismatches', () => {
    const { model, ctx } = setup();
    applyOp(model, ctx, { op: 'useradd', address: 'a' });
    applyOp(model, ctx, { op: 'useradd', address: 'b' });
    expect(
      failureOf(() => applyOp(model, ctx, { op: 'userset', user: { address: 'a', uid: 1002 } })).fields,
    ).toEqual(['address', 'uid']);
    expect(failureOf(() => applyOp(model, ctx, { op: 'userdel', user: { uid: 4 } })).fields).toEqual(['uid']);
    applyOp(model, ctx, { op: 'userdel', user: { address: 'a', uid: 1001 } });
    expect(snapshotModel(model, false).users.map((u) => u.address)).toEqual(['b']);
    // A deleted address added again is a new user.
    expect(applyOp(model, ctx, { op: 'useradd', address: 'a' }).user).toEqual({ uid: 1003, address: 'a' });
  });

  it('usersget matches * wildcards literally otherwise, and caps at maxList', () => {
    const { model, ctx } = setup();
    for (const address of ['a.b', 'axb', 'a+1', 'zz']) applyOp(model, ctx, { op: 'useradd', address });
    const list = (address?: string, count?: number) =>
      (
        applyOp(
          model,
          { ...ctx, maxList: 3 },
          { op: 'usersget', ...(address ? { address } : {}), ...(count ? { count } : {}) },
        ).users as { address: string }[]
      ).map((u) => u.address);
    expect(list('a.b')).toEqual(['a.b']);
    expect(list('a*')).toEqual(['a.b', 'axb', 'a+1']);
    expect(list('*b')).toEqual(['a.b', 'axb']);
    expect(list()).toHaveLength(3);
    expect(list(undefined, 2)).toHaveLength(2);
  });

  it('groups keep members in insertion order with uids for known users', () => {
    const { model, ctx } = setup();
    applyOp(model, ctx, { op: 'useradd', address: 'known' });
    const { group } = applyOp(model, ctx, {
      op: 'groupadd',
      name: 'g',
      members: { addresses: ['known', 'stranger'], remove: false, permissions: { ...ALL_PERMISSIONS } },
    });
    const gid = (group as { gid: number }).gid;
    expect(gid).toBe(50001);
    applyOp(model, ctx, {
      op: 'groupeditmembers',
      gid,
      members: { addresses: ['stranger', 'ghost'], remove: true, permissions: { ...ALL_PERMISSIONS } },
    });
    expect(applyOp(model, ctx, { op: 'groupgetmembers', gid })).toEqual({
      gid,
      count: 1,
      members: [{ uid: 1001, address: 'known', permissions: ALL_PERMISSIONS }],
    });
    expect(failureOf(() => applyOp(model, ctx, { op: 'groupdel', gid: 1 })).fields).toEqual(['gid']);
  });

  it('message requires an existing sender and group, and numbers mids from 1', () => {
    const { model, ctx } = setup();
    const send = {
      op: 'message' as const,
      from: 'sys',
      to: ['a'],
      type: 0,
      expirySeconds: 10,
      whenSeconds: 0,
    };
    expect(failureOf(() => applyOp(model, ctx, send)).fields).toEqual(['from']);
    applyOp(model, ctx, { op: 'useradd', address: 'sys' });
    expect(applyOp(model, ctx, send)).toEqual({ mid: 1 });
    expect(failureOf(() => applyOp(model, ctx, { ...send, to: [], gid: 9 })).fields).toEqual(['gid']);
    expect(applyOp(model, ctx, send)).toEqual({ mid: 2 });
  });
});
