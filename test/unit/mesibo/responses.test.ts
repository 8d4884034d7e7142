import { describe, expect, it } from 'vitest';
import {
  interpretResponse,
  parseGroupAdd,
  parseGroupMembers,
  parseMessage,
  parseUserAdd,
  parseUsersGet,
  ResponseShapeError,
} from '../../../shared/mesibo/responses';

const ok = (body: unknown, status = 200) => interpretResponse({ status, body: JSON.stringify(body) });

describe('interpretResponse: result flag', () => {
  it.each([true, 1, 'OK', 'ok', '1', 'true'])('treats result %j as success', (result) => {
    expect(ok({ op: 'x', result }).ok).toBe(true);
  });

  it.each([false, 0, 'FAIL', '0', 'false'])('treats result %j as an API failure', (result) => {
    const answer = ok({ op: 'x', result, error: 'BADVALUE' });
    expect(answer).toMatchObject({
      ok: false,
      failure: { kind: 'api', error: 'BADVALUE', transient: false },
    });
  });

  it('normalises the echoed id from a numeric string', () => {
    const answer = ok({ op: 'x', result: true, id: '42' });
    expect(answer.ok && answer.envelope.id).toBe(42);
  });
});

describe('interpretResponse: failures', () => {
  it('keeps the whole mesibo failure envelope, unknown codes verbatim', () => {
    const answer = ok({
      op: 'useradd',
      result: false,
      error: 'SOMETHINGNEW',
      code: '409',
      cause: 'why',
      action: 'fix',
      properties: ['user.address'],
    });
    expect(answer).toEqual({
      ok: false,
      failure: {
        kind: 'api',
        error: 'SOMETHINGNEW',
        code: 409,
        cause: 'why',
        action: 'fix',
        properties: ['user.address'],
        httpStatus: 200,
        transient: false,
        mayHaveReachedServer: true,
      },
    });
  });

  it('does not let malformed failure details hide the failure', () => {
    const answer = ok({ result: false, error: 'BADVALUE', code: 'n/a', properties: 'name' });
    expect(answer).toMatchObject({ ok: false, failure: { error: 'BADVALUE', code: undefined } });
  });

  it('names a failure without a code UNKNOWN', () => {
    expect(ok({ result: false })).toMatchObject({ ok: false, failure: { error: 'UNKNOWN' } });
  });

  it.each([429, 500, 502, 503])('treats HTTP %i as a transient http failure', (status) => {
    const answer = interpretResponse({ status, body: 'busy', retryAfter: '1' });
    expect(answer).toMatchObject({
      ok: false,
      failure: {
        kind: 'http',
        error: `HTTP_${status}`,
        code: status,
        httpStatus: status,
        transient: true,
        retryAfterMs: 1000,
      },
    });
  });

  it('treats a 4xx without an envelope as a permanent http failure', () => {
    expect(interpretResponse({ status: 404, body: 'not found' })).toMatchObject({
      ok: false,
      failure: { kind: 'http', error: 'HTTP_404', transient: false },
    });
  });

  it('reads an envelope sent with a 4xx status as an API failure', () => {
    const answer = interpretResponse({
      status: 401,
      body: JSON.stringify({ result: false, error: 'AUTHFAIL' }),
    });
    expect(answer).toMatchObject({
      ok: false,
      failure: { kind: 'api', error: 'AUTHFAIL', code: 401, httpStatus: 401 },
    });
  });

  it.each([
    ['not JSON', '<html>oops'],
    ['JSON without result', '{"op":"useradd"}'],
    ['a JSON array', '[1,2]'],
    ['an odd result', '{"result":"maybe"}'],
  ])('treats %s as a transient protocol failure', (_name, body) => {
    expect(interpretResponse({ status: 200, body })).toMatchObject({
      ok: false,
      failure: { kind: 'protocol', error: 'BADRESPONSE', transient: true },
    });
  });

  it('never copies the response body into a failure', () => {
    const answer = interpretResponse({ status: 200, body: '{"user":{"token":"USERSECRET"}' });
    expect(JSON.stringify(answer)).not.toContain('USERSECRET');
  });
});

describe('op parsers', () => {
  it('useradd: uid as number or numeric string, token optional', () => {
    expect(parseUserAdd({ user: { uid: '17', token: 't' } })).toEqual({ uid: 17, token: 't' });
    expect(parseUserAdd({ user: { uid: 17 } })).toEqual({ uid: 17 });
    expect(() => parseUserAdd({ user: { uid: 'x' } })).toThrow(ResponseShapeError);
    expect(() => parseUserAdd({})).toThrow(ResponseShapeError);
  });

  it('usersget: normalises users and defaults count to their number', () => {
    expect(
      parseUsersGet({
        users: [
          { uid: '1', address: 'a', name: 'A', active: '1' },
          { uid: 2, address: 5, active: 0 },
        ],
      }),
    ).toEqual({
      users: [
        { uid: 1, address: 'a', name: 'A', active: true },
        { uid: 2, address: '5', active: false },
      ],
      count: 2,
    });
    expect(parseUsersGet({ users: [], count: '7' })).toEqual({ users: [], count: 7 });
    expect(parseUsersGet({})).toEqual({ users: [], count: 0 });
  });

  it('groupadd: nested or top-level gid', () => {
    expect(parseGroupAdd({ group: { gid: '9' } })).toEqual({ gid: 9 });
    expect(parseGroupAdd({ gid: 9 })).toEqual({ gid: 9 });
    expect(() => parseGroupAdd({ group: {} })).toThrow(ResponseShapeError);
  });

  it('groupgetmembers: JSON permissions, legacy flags, and defaults', () => {
    const body = {
      count: '3',
      members: [
        { uid: '1', address: 'a', permissions: { send: true, recv: 0, pub: '1', sub: false, list: true } },
        { address: 'b', cs: '0', cr: '1', canpub: 0, cansub: 1, canlist: '0' },
        { address: 'c' },
      ],
    };
    expect(parseGroupMembers(body, 12)).toEqual({
      gid: 12,
      count: 3,
      members: [
        { uid: 1, address: 'a', permissions: { send: true, recv: false, pub: true, sub: false, list: true } },
        { address: 'b', permissions: { send: false, recv: true, pub: false, sub: true, list: false } },
        { address: 'c', permissions: { send: true, recv: true, pub: true, sub: true, list: true } },
      ],
    });
    expect(parseGroupMembers({ gid: '5', members: [] }, 12)).toEqual({ gid: 5, count: 0, members: [] });
  });

  it('message: mid optional', () => {
    expect(parseMessage({ mid: '1387628' })).toEqual({ mid: 1387628 });
    expect(parseMessage({})).toEqual({});
    expect(parseMessage({ mid: null })).toEqual({});
  });
});
