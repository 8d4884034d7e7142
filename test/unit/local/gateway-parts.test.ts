import { describe, expect, it } from 'vitest';
import { mapLambdaResult } from '../../../local/gateway/result';
import { matchRoute } from '../../../local/gateway/router';
import { fillPlaceholders } from '../../../local/scheduler/target';
import { routes } from '../../../shared/routes';

describe('route matching', () => {
  it('matches exactly the route table, literal segments before parameters', () => {
    expect(matchRoute(routes, 'POST', '/v1/users/me/token')?.route.auth).toBe('jwt');
    expect(matchRoute(routes, 'POST', '/v1/users/alice/token')).toMatchObject({
      route: { auth: 'iam' },
      pathParameters: { address: 'alice' },
    });
    expect(matchRoute(routes, 'DELETE', '/v1/users/a%2Fb')?.pathParameters).toEqual({ address: 'a/b' });
    // Decoded exactly once: an encoded percent sign stays a percent sign.
    expect(matchRoute(routes, 'POST', '/v1/users/%2561dmin/token')?.pathParameters).toEqual({
      address: '%61dmin',
    });
    expect(matchRoute(routes, 'GET', '/v1/health')?.pathParameters).toBeNull();
    for (const [method, path] of [
      ['GET', '/v1/health/'],
      ['PUT', '/v1/health'],
      ['POST', '/v1/users//token'],
      ['DELETE', '/v1/users/a/b'],
    ]) {
      expect(matchRoute(routes, method ?? '', path ?? ''), `${method} ${path}`).toBeUndefined();
    }
  });

  it('can reach every route of the table', () => {
    for (const r of routes) {
      const path = r.path.replace(/\{\w+\}/g, 'x');
      expect(matchRoute(routes, r.method, path)?.route).toBe(r);
    }
  });
});

describe('result mapping', () => {
  it('lower-cases headers and defaults a missing body to empty', () => {
    const r = mapLambdaResult({ statusCode: 204, headers: { 'X-A': '1' } });
    expect(r).toEqual({ status: 204, headers: { 'x-a': '1' }, body: Buffer.alloc(0) });
  });
  it('turns a status outside 100-599 into a 500', () => {
    expect(mapLambdaResult({ statusCode: 700 }).status).toBe(500);
  });
});

describe('schedule placeholders', () => {
  it('fills every Scheduler context attribute inside nested strings', () => {
    const filled = fillPlaceholders(
      {
        a: '<aws.scheduler.scheduled-time>',
        b: ['x <aws.scheduler.attempt-number>'],
        c: { d: '<aws.scheduler.schedule-arn>' },
        e: 1,
      },
      {
        scheduleArn: 'arn:s',
        scheduledTime: Date.parse('2030-01-01T09:00:00.123Z'),
        attempt: 2,
        executionId: 'id',
      },
    );
    expect(filled).toEqual({ a: '2030-01-01T09:00:00Z', b: ['x 2'], c: { d: 'arn:s' }, e: 1 });
  });
});
