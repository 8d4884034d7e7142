import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseJsonBody } from '../../../shared/http/body';
import { PROBLEM_CONTENT_TYPE, ProblemError, problem } from '../../../shared/http/problem';

const schema = z.strictObject({
  appid: z.string().min(1),
  expiryMinutes: z.number().int().positive().optional(),
});

const caught = (fn: () => unknown): ProblemError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProblemError) return e;
    throw e;
  }
  throw new Error('expected a ProblemError');
};

describe('parseJsonBody', () => {
  it('returns the parsed body', () => {
    expect(parseJsonBody({ body: '{"appid":"a"}', isBase64Encoded: false }, schema)).toEqual({ appid: 'a' });
  });

  it('decodes base64 bodies', () => {
    const body = Buffer.from('{"appid":"b"}').toString('base64');
    expect(parseJsonBody({ body, isBase64Encoded: true }, schema)).toEqual({ appid: 'b' });
  });

  it('uses the empty value when the body is empty and one is given', () => {
    expect(parseJsonBody({ body: '', isBase64Encoded: false }, schema.partial(), { emptyAs: {} })).toEqual(
      {},
    );
  });

  it('names the body when it is not JSON', () => {
    const e = caught(() => parseJsonBody({ body: '{nope', isBase64Encoded: false }, schema));
    expect(e.problem.status).toBe(400);
    expect(e.problem.errors).toEqual([{ field: '(body)', message: 'the body is not valid JSON' }]);
  });

  it('names an unknown field', () => {
    const e = caught(() =>
      parseJsonBody({ body: '{"appid":"a","extra":1}', isBase64Encoded: false }, schema),
    );
    expect(e.problem.errors?.[0]?.field).toBe('extra');
  });

  it('names a field with a bad value', () => {
    const e = caught(() =>
      parseJsonBody({ body: '{"appid":"a","expiryMinutes":-1}', isBase64Encoded: false }, schema),
    );
    expect(e.problem.code).toBe('invalid-request');
    expect(e.problem.errors?.[0]?.field).toBe('expiryMinutes');
  });

  it('rejects a body over the limit with 413', () => {
    const e = caught(() =>
      parseJsonBody({ body: `"${'x'.repeat(100)}"`, isBase64Encoded: false }, schema, { maxBytes: 50 }),
    );
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
