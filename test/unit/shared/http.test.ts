import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { Conflict, DomainError } from '../../../shared/errors';
import { parseJsonBody } from '../../../shared/http/body';
import { errorResponse, PROBLEM_CONTENT_TYPE, problem } from '../../../shared/http/problem';
import { toProblem } from '../../../shared/http/problems';

const schema = z.strictObject({
  appid: z.string().min(1),
  expiryMinutes: z.number().int().positive().optional(),
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
