import { describe, expect, it } from 'vitest';
import { Conflict, DomainError } from '../../../shared/errors';
import { parseJsonBody } from '../../../shared/http/body';
import { errorResponse, PROBLEM_CONTENT_TYPE, problem } from '../../../shared/http/problem';
import { toProblem } from '../../../shared/http/problems';
import * as z from '../../../shared/zod';

const schema = z.strictObject({
  appid: z.string().check(z.minLength(1)),
  expiryMinutes: z.optional(z.int().check(z.positive())),
});

const caught = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    const problem = e instanceof DomainError ? toProblem(e) : undefined;
    if (problem) return { problem };
    throw e;
  }
  throw new Error('expected a DomainError');
};

const JSON_HEADERS = { 'content-type': 'application/json' };
const sent = (body: string, isBase64Encoded = false) => ({ body, isBase64Encoded, headers: JSON_HEADERS });

describe('parseJsonBody', () => {
  it('returns the parsed body', () => {
    expect(parseJsonBody(sent('{"appid":"a"}'), schema)).toEqual({ appid: 'a' });
  });

  it('decodes base64 bodies', () => {
    const body = Buffer.from('{"appid":"b"}').toString('base64');
    expect(parseJsonBody(sent(body, true), schema)).toEqual({ appid: 'b' });
  });

  it('uses the empty value when the body is empty and one is given', () => {
    expect(parseJsonBody(sent(''), z.partial(schema), { emptyAs: {} })).toEqual({});
  });

  it('names the body when it is not JSON', () => {
    const e = caught(() => parseJsonBody(sent('{nope'), schema));
    expect(e.problem.status).toBe(400);
    expect(e.problem.errors).toEqual([{ field: '(body)', message: 'the body is not valid JSON' }]);
  });

  it('names an unknown field', () => {
    const e = caught(() => parseJsonBody(sent('{"appid":"a","extra":1}'), schema));
    expect(e.problem.errors?.[0]?.field).toBe('extra');
  });

  it('names a missing field as required', () => {
    const e = caught(() => parseJsonBody(sent('{"expiryMinutes":5}'), schema));
    expect(e.problem.errors).toEqual([{ field: 'appid', message: 'is required' }]);
  });

  it('names a field with a bad value', () => {
    const e = caught(() => parseJsonBody(sent('{"appid":"a","expiryMinutes":-1}'), schema));
    expect(e.problem.code).toBe('invalid-request');
    expect(e.problem.errors?.[0]?.field).toBe('expiryMinutes');
  });

  it.each([
    ['application/json', { appid: 'a' }],
    ['application/json; charset=UTF-8', { appid: 'a' }],
    ['Application/JSON;charset="utf-8"', { appid: 'a' }],
    ['application/merge-patch+json', { appid: 'a' }],
    ['application/json; charset=us-ascii', { appid: 'a' }],
    // A repeated header, as API Gateway joins it.
    ['application/json,application/json', { appid: 'a' }],
  ])('reads a body labelled %s', (contentType, expected) => {
    expect(
      parseJsonBody(
        { body: '{"appid":"a"}', isBase64Encoded: false, headers: { 'content-type': contentType } },
        schema,
      ),
    ).toEqual(expected);
  });

  it.each([
    [undefined, 'is missing; send application/json'],
    ['', 'is missing; send application/json'],
    ['text/plain', 'must be application/json, not text/plain'],
    ['application/x-www-form-urlencoded', 'must be application/json, not application/x-www-form-urlencoded'],
    ['application/jsonx', 'must be application/json, not application/jsonx'],
    ['application/json; charset=iso-8859-1', 'charset must be utf-8, not iso-8859-1'],
  ])('refuses a body labelled %j with 415 naming the content type', (contentType, message) => {
    const headers = contentType === undefined ? {} : { 'content-type': contentType };
    const e = caught(() => parseJsonBody({ body: '{"appid":"a"}', isBase64Encoded: false, headers }, schema));
    expect(e.problem).toMatchObject({
      status: 415,
      code: 'unsupported-media-type',
      detail: `Content-Type ${message}`,
      errors: [{ field: '(content-type)', message }],
    });
  });

  it('finds the content type whatever the case of its header name (a hand-built event)', () => {
    const event = {
      body: '{"appid":"a"}',
      isBase64Encoded: false,
      headers: { 'Content-Type': 'application/json' },
    };
    expect(parseJsonBody(event, schema)).toEqual({ appid: 'a' });
  });

  it('takes an empty optional body whatever it is labelled', () => {
    expect(
      parseJsonBody({ body: '', isBase64Encoded: false, headers: {} }, z.partial(schema), { emptyAs: {} }),
    ).toEqual({});
  });

  it('rejects a body over the limit with 413', () => {
    const e = caught(() => parseJsonBody(sent(`"${'x'.repeat(100)}"`), schema, { maxBytes: 50 }));
    expect(e.problem.status).toBe(413);
  });
});

describe('problem', () => {
  it('builds an RFC 9457 response with a stable type and code', () => {
    const res = problem({
      status: 503,
      code: 'mesibo-unavailable',
      title: 'down',
      headers: { 'retry-after': '5' },
    });
    expect(res).toMatchObject({
      statusCode: 503,
      headers: { 'content-type': PROBLEM_CONTENT_TYPE, 'retry-after': '5' },
    });
    const body = JSON.parse((res as { body: string }).body);
    expect(body).toEqual({
      type: 'https://mesibo-serverless.dev/problems/mesibo-unavailable',
      title: 'down',
      status: 503,
      code: 'mesibo-unavailable',
    });
  });
});

describe('errorResponse', () => {
  const recordingLog = () => {
    const lines: { level: string; message: unknown; extra: unknown }[] = [];
    const at =
      (level: string) =>
      (message: unknown, ...extra: unknown[]): void => {
        lines.push({ level, message, extra: extra[0] });
      };
    return { lines, info: at('info'), error: at('error') };
  };

  it('answers a domain error as the table says and logs it as refused', () => {
    const log = recordingLog();
    const refused = new Conflict('delivery-id-conflict', 'taken');
    const res = errorResponse(refused, log, { what: 'thing', instance: '/v1/things' }) as {
      statusCode: number;
      body: string;
    };
    expect(res.statusCode).toBe(409);
    expect(JSON.parse(res.body)).toMatchObject({
      code: 'delivery-id-conflict',
      detail: 'taken',
      instance: '/v1/things',
    });
    expect(log.lines).toEqual([
      { level: 'info', message: 'thing refused', extra: { status: 409, code: 'delivery-id-conflict' } },
    ]);
  });

  it('answers anything else with a bare 500 that does not carry the error text', () => {
    const log = recordingLog();
    const res = errorResponse(new Error('upstream said: token=abc123'), log, {
      what: 'thing',
      internalDetail: 'Safe to repeat',
    }) as { statusCode: number; headers: Record<string, string>; body: string };
    expect(res.statusCode).toBe(500);
    expect(res.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    expect(res.body).not.toContain('abc123');
    expect(JSON.parse(res.body)).toMatchObject({ code: 'internal-error', detail: 'Safe to repeat' });
    expect(log.lines.map((l) => [l.level, l.message])).toEqual([['error', 'thing failed']]);
  });
});
