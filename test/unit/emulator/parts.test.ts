import { describe, expect, it } from 'vitest';
import { FaultBook } from '../../../local/mesibo-emulator/faults';
import {
  addressList,
  addressValue,
  boolValue,
  intValue,
  resolveOp,
} from '../../../local/mesibo-emulator/fields';
import { randomToken } from '../../../local/mesibo-emulator/mesibo-app';
import { REDACTED, redactParams } from '../../../local/mesibo-emulator/request-log';
import { TokenBreachGuard } from '../../../local/mesibo-emulator/token-breach';

describe('field rules', () => {
  it('addresses are opaque: any non-empty text; numbers become text', () => {
    for (const ok of ['a', '+15551234567', 'Api User-1', 'auth0|64f1', 'أحمد', 'x'.repeat(500), 'a,b']) {
      expect(addressValue.parse(ok)).toBe(ok);
    }
    expect(addressValue.safeParse('').success).toBe(false);
    expect(addressValue.parse(42)).toBe('42');
  });

  it('address lists split on commas, trim, and may be empty', () => {
    expect(addressList.parse(' a , b c,,أ ')).toEqual(['a', 'b c', 'أ']);
    expect(addressList.parse('')).toEqual([]);
    expect(addressList.parse([1, 'x'])).toEqual(['1', 'x']);
  });

  it('integers and booleans arrive typed or as text', () => {
    expect(intValue.parse('17')).toBe(17);
    expect(intValue.safeParse('1.5').success).toBe(false);
    expect(intValue.safeParse(1.5).success).toBe(false);
    expect([true, 1, '1', 'true'].map((v) => boolValue.parse(v))).toEqual([true, true, true, true]);
    expect([false, 0, '0', 'false'].map((v) => boolValue.parse(v))).toEqual([false, false, false, false]);
    expect(boolValue.safeParse('yes').success).toBe(false);
  });

  it('op aliases resolve; prototype names do not', () => {
    expect(resolveOp('users')).toBe('usersget');
    expect(resolveOp('getmembers')).toBe('groupgetmembers');
    expect(resolveOp('deluser')).toBe('userdel');
    expect(resolveOp('deltoken')).toBe('deltoken');
    expect(resolveOp('toString')).toBeUndefined();
    expect(resolveOp('__proto__')).toBeUndefined();
  });
});

describe('redaction', () => {
  it('replaces the token parameter and the app token text anywhere, without touching the input', () => {
    const params = { op: 'useradd', token: 'APP', user: { name: 'xAPPx', list: ['APP', 3] }, other: 'fine' };
    expect(redactParams(params, 'APP')).toEqual({
      op: 'useradd',
      token: REDACTED,
      user: { name: `x${REDACTED}x`, list: [REDACTED, 3] },
      other: 'fine',
    });
    expect(params.token).toBe('APP');
    expect(redactParams({ token: 'wrong' }, 'APP')).toEqual({ token: REDACTED });
  });
});

describe('random tokens', () => {
  it('are at least 40 lower-case alphanumerics and differ', () => {
    const a = randomToken();
    expect(a).toMatch(/^[a-z0-9]{40,}$/);
    expect(randomToken()).not.toBe(a);
  });
});

describe('fault book', () => {
  const noParams = () => '{}';

  it('matches by op, skips, counts and rolls the rate with the injected randomness', () => {
    const rolls = [0.9, 0.1, 0.1];
    const book = new FaultBook(() => rolls.shift() ?? 0);
    book.add({ kind: 'status', ops: ['message'], skip: 1, count: 2, rate: 0.5 });
    expect(book.pick(['useradd'], noParams)).toBeUndefined();
    expect(book.pick(['message'], noParams)).toBeUndefined(); // skipped
    expect(book.pick(['message'], noParams)).toBeUndefined(); // rate roll 0.9 misses
    expect(book.pick(['message'], noParams)?.kind).toBe('status');
    expect(book.pick(['message'], noParams)?.kind).toBe('status');
    expect(book.pick(['message'], noParams)).toBeUndefined(); // count spent
    expect(book.list()[0]).toMatchObject({ seen: 5, applied: 2 });
  });

  it('matches on the request parameters when the rule names a text', () => {
    const book = new FaultBook(() => 0);
    book.add({ kind: 'api-error', ops: ['message'], match: 'bad-recipient' });
    expect(book.pick(['message'], () => '{"message":{"to":"a,b"}}')).toBeUndefined();
    expect(book.pick(['message'], () => '{"message":{"to":"a,bad-recipient"}}')?.kind).toBe('api-error');
  });

  it('falls through to the next rule when the first declines', () => {
    const book = new FaultBook(() => 0);
    book.add({ kind: 'hang', count: 0 });
    book.add({ kind: 'reset' });
    expect(book.pick(['useradd'], noParams)?.kind).toBe('reset');
    book.clear();
    expect(book.pick(['useradd'], noParams)).toBeUndefined();
  });
});

describe('TOKENBREACH guard', () => {
  it('trips on the sixth distinct IP and stays tripped until switched or forgotten', () => {
    const guard = new TokenBreachGuard(true);
    for (const ip of ['1', '2', '3', '4', '5', '5', '1']) expect(guard.breached(ip)).toBe(false);
    expect(guard.breached('6')).toBe(true);
    expect(guard.breached('1')).toBe(true);
    guard.forget();
    expect(guard.breached('1')).toBe(false);
    guard.setEnabled(false);
    expect(guard.view()).toEqual({ enabled: false, tripped: false, ips: [] });
    for (let i = 0; i < 10; i++) expect(guard.breached(String(i))).toBe(false);
  });
});
