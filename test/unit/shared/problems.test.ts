import { describe, expect, it } from 'vitest';
import {
  Conflict,
  Forbidden,
  InvalidInput,
  NotFound,
  PayloadTooLarge,
  Unauthenticated,
  Unavailable,
  UnsupportedMediaType,
  UpstreamRejected,
} from '../../../shared/errors';
import { toProblem } from '../../../shared/http/problems';
import { AppTokenUnsetError } from '../../../shared/secrets/app-token';
import { mesiboUnavailable } from '../../../shared/user-tokens/mesibo-failure';

describe('the edge table of domain errors', () => {
  it.each([
    [new InvalidInput([{ field: 'a', message: 'bad' }]), 400, 'invalid-request'],
    [new PayloadTooLarge('big', [{ field: '(body)', message: 'big' }]), 413, 'payload-too-large'],
    [new UnsupportedMediaType('must be application/json, not text/plain'), 415, 'unsupported-media-type'],
    [new Unauthenticated('signature-invalid', 'no'), 401, 'signature-invalid'],
    [new Forbidden('reserved-address', 'no'), 403, 'reserved-address'],
    [new NotFound('group-not-found', 'no'), 404, 'group-not-found'],
    [new Conflict('delivery-id-conflict', 'no'), 409, 'delivery-id-conflict'],
    [new Unavailable('queue-unavailable', 'later', 5), 503, 'queue-unavailable'],
    [new UpstreamRejected('BADVALUE'), 502, 'mesibo-rejected'],
  ])('%s answers %i with its code', (error, status, code) => {
    expect(toProblem(error)).toMatchObject({ status, code, detail: error.detail });
  });

  it('mesibo being unavailable is a 503 with Retry-After, as is an unset app token', () => {
    expect(toProblem(mesiboUnavailable())).toMatchObject({
      status: 503,
      code: 'mesibo-unavailable',
      headers: { 'retry-after': '5' },
    });
    const unset = toProblem(new AppTokenUnsetError('the-secret-name'));
    expect(unset).toMatchObject({
      status: 503,
      code: 'mesibo-app-token-unset',
      headers: { 'retry-after': '30' },
    });
    expect(JSON.stringify(unset)).not.toContain('the-secret-name');
  });

  it('carries the fields at fault, the auth challenge and safe extensions; anything else is unknown', () => {
    expect(toProblem(new InvalidInput([{ field: 'sendAt', message: 'past' }]))).toMatchObject({
      errors: [{ field: 'sendAt', message: 'past' }],
      detail: 'sendAt: past',
    });
    expect(toProblem(new Unauthenticated('unauthorized', 'no jwt'))?.headers).toEqual({
      'www-authenticate': 'Bearer',
    });
    expect(toProblem(new UpstreamRejected('BADVALUE'))?.extensions).toEqual({ mesiboError: 'BADVALUE' });
    expect(toProblem(new Error('boom'))).toBeUndefined();
  });
});
