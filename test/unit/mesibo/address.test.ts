import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { createMesiboClient } from '../../../shared/mesibo';
import {
  addressProblem,
  addressSchema,
  InvalidAddressError,
  MAX_ADDRESS_BYTES,
} from '../../../shared/mesibo/address';
import { REAL_SUBJECTS } from '../../support/subjects';

describe('the address rule', () => {
  it.each(REAL_SUBJECTS)('accepts a %s: %s', (_kind, subject) => {
    expect(addressProblem(subject)).toBeUndefined();
    expect(addressSchema.parse(subject)).toBe(subject);
  });

  it.each([
    ['empty', '', 'must not be empty'],
    ['only spaces', '   ', 'only whitespace'],
    ['only a tab and a newline', '\t\n', 'only whitespace'],
    ['only no-break spaces', '\u00a0\u3000', 'only whitespace'],
    ['a NUL', 'ali\u0000ce', 'control characters (U+0000 at index 3)'],
    ['a newline', 'alice\nbob', 'control characters (U+000A at index 5)'],
    ['DEL', 'alice\u007f', 'control characters (U+007F'],
    ['a C1 control', 'alice\u0085', 'control characters (U+0085'],
    ['a lone high surrogate', 'fox \ud83e', 'lone UTF-16 surrogate'],
    ['a lone low surrogate', '\udd8a fox', 'lone UTF-16 surrogate'],
    ['a comma', 'alice,bob', 'comma'],
  ])('refuses %s, saying why', (_kind, address, reason) => {
    expect(addressProblem(address)).toContain(reason);
    const result = addressSchema.safeParse(address);
    expect(result.success).toBe(false);
    expect(result.error?.issues).toHaveLength(1);
    expect(result.error?.issues[0]?.message).toContain(reason);
  });

  it(`counts the limit in UTF-8 bytes: ${MAX_ADDRESS_BYTES} pass, one more does not`, () => {
    expect(addressProblem('a'.repeat(MAX_ADDRESS_BYTES))).toBeUndefined();
    expect(addressProblem('a'.repeat(MAX_ADDRESS_BYTES + 1))).toBe(
      `must be at most ${MAX_ADDRESS_BYTES} bytes in UTF-8 (this one is ${MAX_ADDRESS_BYTES + 1})`,
    );
    // 86 three-byte characters are 258 bytes though only 86 UTF-16 units.
    const cjk = '王'.repeat(86);
    expect(cjk.length).toBeLessThan(MAX_ADDRESS_BYTES);
    expect(addressProblem(cjk)).toContain('(this one is 258)');
    expect(addressProblem('王'.repeat(85))).toBeUndefined();
  });

  it('refuses anything but a string', () => {
    for (const value of [777, null, true, ['a'], { a: 1 }]) {
      expect(addressSchema.safeParse(value).error?.issues[0]?.message).toBe('must be a string');
    }
  });

  it('documents itself for the OpenAPI document', () => {
    expect(z.globalRegistry.get(addressSchema)).toMatchObject({ minLength: 1, maxLength: MAX_ADDRESS_BYTES });
  });
});

describe('the mesibo client', () => {
  // Nothing listens there: a request that got past the rule would fail with a network error instead.
  const client = (appToken: () => Promise<string>) =>
    createMesiboClient({ baseUrl: 'http://127.0.0.1:9/', style: 'json', appToken, maxAttempts: 1 });

  it.each([
    ['useradd', (c: ReturnType<typeof client>) => c.useradd({ address: 'a,b' }), 'address'],
    ['userdel', (c: ReturnType<typeof client>) => c.userdel({ address: '' }), 'address'],
    [
      'groupeditmembers',
      (c: ReturnType<typeof client>) => c.groupeditmembers({ gid: 1, addresses: ['ok', 'x\u0000'] }),
      'addresses[1]',
    ],
    ['message from', (c: ReturnType<typeof client>) => c.message({ from: ' ', to: 'bob' }), 'from'],
    ['message to', (c: ReturnType<typeof client>) => c.message({ from: 'sys', to: ['b', 'c,d'] }), 'to[1]'],
  ])('refuses a bad address in %s before the wire, naming the field', async (_op, send, field) => {
    let tokenReads = 0;
    const error = await send(
      client(async () => {
        tokenReads += 1;
        return 'app-token';
      }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidAddressError);
    expect(error).toMatchObject({ field });
    expect(tokenReads).toBe(0);
  });
});
