import { describe, expect, it } from 'vitest';
import { encodeJsonRequest, toJsonPayload } from '../../../shared/mesibo/json-transport';
import { encodeLegacyRequest, toLegacyParams } from '../../../shared/mesibo/legacy-transport';
import type { MesiboRequest } from '../../../shared/mesibo/requests';

/** Round-trip through JSON so omitted (undefined) fields disappear, as they do on the wire. */
const wire = (request: MesiboRequest) => JSON.parse(JSON.stringify(toJsonPayload(request)));

const ALL = { send: true, recv: true, pub: true, sub: true, list: true };

describe('JSON mapping (current /backend/ API)', () => {
  it.each<[string, MesiboRequest, unknown]>([
    [
      'useradd with a token',
      {
        op: 'useradd',
        input: {
          address: 'a@x',
          name: 'A',
          active: true,
          token: { appid: 'com.x', expiryMinutes: 60, v2: true },
        },
      },
      { user: { address: 'a@x', name: 'A', active: true, token: { appid: 'com.x', expiry: 60, v2: true } } },
    ],
    ['useradd without a token', { op: 'useradd', input: { address: 'a' } }, { user: { address: 'a' } }],
    [
      'useradd asking for a v2 token without appid, with an OTP',
      {
        op: 'useradd',
        input: { address: 'a', otp: '42', token: { v2: true, expiryMinutes: 5, bundle: 'b' } },
      },
      { user: { address: 'a', otp: '42', token: { v2: true, bundle: 'b', expiry: 5 } } },
    ],
    [
      'userset by uid',
      { op: 'userset', input: { uid: 7, name: 'B', active: false } },
      { user: { uid: 7, name: 'B', active: false } },
    ],
    [
      'userset removing all tokens',
      { op: 'userset', input: { address: 'a', removeToken: true } },
      { user: { address: 'a', token: { remove: true } } },
    ],
    [
      'userset removing one app’s tokens',
      { op: 'userset', input: { address: 'a', removeToken: { appid: 'com.x' } } },
      { user: { address: 'a', token: { remove: true, appid: 'com.x' } } },
    ],
    ['userdel', { op: 'userdel', input: { address: 'a' } }, { user: { address: 'a' } }],
    [
      'usersget',
      { op: 'usersget', input: { address: 'a*', count: 5 } },
      { count: 5, user: { address: 'a*' } },
    ],
    ['usersget, no filter', { op: 'usersget', input: {} }, {}],
    [
      'groupadd',
      { op: 'groupadd', input: { name: 'G', flags: 2, active: true } },
      { group: { name: 'G', flags: 2, active: true } },
    ],
    ['groupset', { op: 'groupset', input: { gid: 3, name: 'H' } }, { group: { gid: 3, name: 'H' } }],
    ['groupdel', { op: 'groupdel', input: { gid: 3 } }, { group: { gid: 3 } }],
    [
      'groupeditmembers add: all five permissions explicit',
      { op: 'groupeditmembers', input: { gid: 3, addresses: ['a', 'b'], permissions: { pub: false } } },
      { group: { gid: 3, members: { m: 'a,b', permissions: { ...ALL, pub: false } } } },
    ],
    [
      'groupeditmembers remove',
      { op: 'groupeditmembers', input: { gid: 3, addresses: ['a'], remove: true } },
      { group: { gid: 3, delete: true, members: { m: 'a' } } },
    ],
    [
      'groupgetmembers',
      { op: 'groupgetmembers', input: { gid: 3, count: 10 } },
      { count: 10, group: { gid: 3 } },
    ],
    [
      'message to several users',
      {
        op: 'message',
        input: {
          from: 's',
          to: ['a', 'b'],
          type: 1,
          expirySeconds: 60,
          whenSeconds: 5,
          title: 'T',
          url: 'u',
          message: 'hi',
        },
      },
      {
        message: { from: 's', to: 'a,b', type: 1, expiry: 60, when: 5, title: 'T', url: 'u', message: 'hi' },
      },
    ],
    [
      'message to a group',
      { op: 'message', input: { from: 's', gid: 4, message: 'hi' } },
      { message: { from: 's', gid: 4, message: 'hi' } },
    ],
  ])('%s', (_name, request, expected) => {
    expect(wire(request)).toEqual(expected);
  });

  it('puts the envelope last so a payload cannot shadow it', () => {
    const encoded = encodeJsonRequest({ op: 'userdel', input: { uid: 1 } }, { token: 'APP', id: 9 });
    expect(encoded.contentType).toBe('application/json');
    expect(encoded.op).toBe('userdel');
    expect(JSON.parse(encoded.body)).toEqual({ op: 'userdel', token: 'APP', id: 9, user: { uid: 1 } });
  });
});

describe('legacy mapping (api.php)', () => {
  it.each<[string, MesiboRequest, Record<string, string>]>([
    [
      'useradd',
      {
        op: 'useradd',
        input: {
          address: 'a@x',
          name: 'A',
          active: false,
          token: { appid: 'com.x', expiryMinutes: 60, v2: true },
        },
      },
      { addr: 'a@x', name: 'A', active: '0', appid: 'com.x', expiry: '60', v2: '1' },
    ],
    ['useradd without a token', { op: 'useradd', input: { address: 'a' } }, { addr: 'a' }],
    ['userset by uid', { op: 'userset', input: { uid: 7, active: true } }, { uid: '7', active: '1' }],
    ['userset by address', { op: 'userset', input: { address: 'a', name: 'N' } }, { addr: 'a', name: 'N' }],
    ['token removal', { op: 'userset', input: { uid: 7, removeToken: true } }, { uid: '7', remove: '1' }],
    [
      'token removal for one app, beside a profile change',
      { op: 'userset', input: { address: 'a', name: 'N', removeToken: { appid: 'com.x' } } },
      { addr: 'a', name: 'N', remove: '1', appid: 'com.x' },
    ],
    [
      'useradd with an OTP and a v2 token bound by platform identifiers',
      {
        op: 'useradd',
        input: { address: 'a', otp: '123456', token: { v2: true, package: 'com.x', url: 'https://x' } },
      },
      { addr: 'a', otp: '123456', v2: '1', package: 'com.x', url: 'https://x' },
    ],
    ['userdel', { op: 'userdel', input: { uid: 7 } }, { uid: '7' }],
    ['usersget', { op: 'usersget', input: { address: 'a*', count: 5 } }, { addr: 'a*', count: '5' }],
    [
      'groupadd',
      { op: 'groupadd', input: { name: 'G', flags: 2, active: true } },
      { name: 'G', flag: '2', active: '1' },
    ],
    ['groupset', { op: 'groupset', input: { gid: 3, active: false } }, { gid: '3', active: '0' }],
    ['groupdel', { op: 'groupdel', input: { gid: 3 } }, { gid: '3' }],
    [
      'groupeditmembers add',
      { op: 'groupeditmembers', input: { gid: 3, addresses: ['a', 'b'], permissions: { send: false } } },
      { gid: '3', m: 'a,b', delete: '0', cs: '0', cr: '1', canpub: '1', cansub: '1', canlist: '1' },
    ],
    [
      'groupeditmembers remove',
      { op: 'groupeditmembers', input: { gid: 3, addresses: ['a', 'b'], remove: true } },
      { gid: '3', m: 'a,b', delete: '1' },
    ],
    ['groupgetmembers', { op: 'groupgetmembers', input: { gid: 3 } }, { gid: '3' }],
    [
      'message',
      {
        op: 'message',
        input: { from: 's', to: ['a', 'b'], expirySeconds: 0, whenSeconds: 5, message: 'hi' },
      },
      { from: 's', to: 'a,b', expiry: '0', when: '5', msg: 'hi' },
    ],
    [
      'message to a group',
      { op: 'message', input: { from: 's', gid: 4, type: 2 } },
      { from: 's', gid: '4', type: '2' },
    ],
  ])('%s', (_name, request, expected) => {
    expect(toLegacyParams(request)).toEqual(expected);
  });

  it('removes tokens with op=userset (remove=1), as the PHP helper in form mode does', () => {
    const encoded = encodeLegacyRequest(
      { op: 'userset', input: { uid: 1, removeToken: true } },
      { token: 't', id: 1 },
    );
    expect(encoded.op).toBe('userset');
    expect(new URLSearchParams(encoded.body).get('remove')).toBe('1');
  });

  it('sends a form body with the envelope, never a query string', () => {
    const encoded = encodeLegacyRequest({ op: 'userdel', input: { uid: 1 } }, { token: 'a&b=c', id: 9 });
    expect(encoded.contentType).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(encoded.body))).toEqual({
      op: 'userdel',
      uid: '1',
      id: '9',
      token: 'a&b=c',
    });
  });
});
