/**
 * What reaches the logs and metrics: structured lines with the request id, EMF for the token counters,
 * and never the app token (current or rotated-out) nor any user token.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { iamEvent, jwtEvent, lambdaContext } from '../../../local/harness/user-tokens/events';
import { SECRET_ID, startTokenHarness, type TokenHarness } from '../../../local/harness/user-tokens/harness';
import { mesiboCallMetrics } from '../../../shared/observability/mesibo-metrics';
import { powertoolsTokenMetrics } from '../../../shared/user-tokens/metrics';

let h: TokenHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const call = async (harness: TokenHarness, event: Parameters<TokenHarness['handler']>[0]) => {
  const result = (await harness.handler(event, lambdaContext())) as APIGatewayProxyStructuredResultV2;
  return { ...result, json: result.body ? (JSON.parse(result.body) as Record<string, unknown>) : undefined };
};

describe('logs', () => {
  it('never contain the app token, any user token, or an address from mesibo error text', async () => {
    const retired = 'retired-app-token-aaaaaaaaaaaaaaaaaaaaaaaa';
    h = await startTokenHarness({ secretValue: retired });
    const t = h;
    const userTokens: string[] = [];
    const keep = (res: Awaited<ReturnType<typeof call>>) => {
      if (typeof res.json?.token === 'string') userTokens.push(res.json.token);
      return res;
    };

    expect((await call(t, jwtEvent({ method: 'POST', claims: { sub: 'alice' } }))).statusCode).toBe(503);
    t.secrets.set(SECRET_ID, t.emulator.appToken);
    for (const sub of ['alice', 'bob', 'carol']) {
      keep(await call(t, jwtEvent({ method: 'POST', claims: { sub } })));
      keep(await call(t, jwtEvent({ method: 'POST', claims: { sub } })));
    }
    const iam = (body: object) =>
      iamEvent({ method: 'POST', route: '/v1/users/{address}/token', address: 'dave', body });
    keep(await call(t, iam({ name: 'Dave', expiryMinutes: 60 })));
    await t.control.addFault({ kind: 'status', status: 503, ops: ['useradd'] });
    keep(await call(t, iam({ name: 'Dave', expiryMinutes: 120 })));
    await t.control.clearFaults();
    await call(
      t,
      jwtEvent({ method: 'POST', claims: { sub: 'alice' }, body: { appid: 'x', token: 'nope' } }),
    );
    await call(t, jwtEvent({ method: 'DELETE', claims: { sub: 'bob' } }));
    await call(t, iamEvent({ method: 'DELETE', route: '/v1/users/{address}', address: 'carol' }));
    await call(t, iamEvent({ method: 'DELETE', route: '/v1/users/{address}', address: 'zelda-unknown' }));

    expect(userTokens.length).toBeGreaterThanOrEqual(7);
    const output = t.output.text();
    expect(output).toContain('token issued'); // the capture did see the logs
    for (const secret of [t.emulator.appToken, retired, ...userTokens]) expect(output).not.toContain(secret);
    // mesibo's BADVALUE cause names the unknown user; only its code is logged.
    expect(output).toContain('BADVALUE');
    expect(output).not.toContain('zelda-unknown');
  });

  it('are JSON lines carrying the request id and route', async () => {
    h = await startTokenHarness();
    const event = jwtEvent({ method: 'POST', claims: { sub: 'erin' } });
    await call(h, event);
    const issued = h.output.records().find((r) => r.message === 'token issued');
    expect(issued).toMatchObject({
      level: 'INFO',
      service: 'issue-user-token',
      requestId: event.requestContext.requestId,
      route: 'POST /v1/users/me/token',
      appid: 'com.example.app',
      source: 'mesibo',
    });
  });
});

describe('metrics', () => {
  it('are written as EMF: cache hit/miss, mesibo calls and latency, mesibo errors by op and code', async () => {
    const metrics = new Metrics({ namespace: 'MesiboServerless', serviceName: 'issue-user-token' });
    h = await startTokenHarness({
      metrics: powertoolsTokenMetrics(metrics),
      mesibo: { onCall: mesiboCallMetrics(metrics) },
    });
    await call(h, jwtEvent({ method: 'POST', claims: { sub: 'frank' } }));
    await call(h, jwtEvent({ method: 'POST', claims: { sub: 'frank' } }));
    await call(h, iamEvent({ method: 'DELETE', route: '/v1/users/{address}', address: 'nobody' }));

    const emf = h.output.records().filter((r) => '_aws' in r);
    const named = (name: string) => emf.filter((r) => name in r);
    expect(emf.every((r) => JSON.stringify(r).includes('"Namespace":"MesiboServerless"'))).toBe(true);
    expect(named('TokenCacheMiss')).toHaveLength(1);
    expect(named('TokenCacheHit')).toHaveLength(1);
    // One stored EMF line per invocation that called mesibo, on the service dimension only.
    const dimensionsOf = (r: Record<string, unknown>) =>
      (r._aws as { CloudWatchMetrics: { Dimensions: string[][] }[] }).CloudWatchMetrics[0]?.Dimensions;
    const stored = named('MesiboCall');
    expect(stored).toHaveLength(2);
    for (const r of stored) {
      expect(dimensionsOf(r)).toEqual([['service']]);
      expect(r).toMatchObject({
        service: 'issue-user-token',
        MesiboCall: 1,
        MesiboLatency: expect.any(Number),
      });
    }
    expect(stored.map((r) => r.MesiboError)).toEqual([undefined, 1]);
    // The failure by op and code, in its own line.
    const byCode = named('MesiboError').filter((r) => 'ErrorCode' in r);
    expect(byCode).toEqual([
      expect.objectContaining({ Op: 'userdel', ErrorCode: 'BADVALUE', MesiboError: 1 }),
    ]);
    expect(dimensionsOf(byCode[0] ?? {})).toEqual([['service', 'Op', 'ErrorCode']]);
  });
});
