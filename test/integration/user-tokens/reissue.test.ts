/**
 * Re-issue safety under mesibo's model of one live token per (user, appid), where a new useradd
 * replaces the earlier token: concurrent requests for one address share one useradd whatever name or
 * lifetime they ask for, so every caller holds the token mesibo still honours; a later re-issue that
 * replaces a valid token says so. Over the emulator (which keeps earlier tokens valid, as mesibo's
 * documents describe) and dynalite.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { iamEvent, lambdaContext } from '../../../local/harness/user-tokens/events';
import { startTokenHarness, type TokenHarness } from '../../../local/harness/user-tokens/harness';

let h: TokenHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

type Handler = TokenHarness['handler'];
const backendIssue = async (handler: Handler, address: string, body: Record<string, unknown>) => {
  const res = (await handler(
    iamEvent({ method: 'POST', route: '/v1/users/{address}/token', address, body: JSON.stringify(body) }),
    lambdaContext(),
  )) as APIGatewayProxyStructuredResultV2;
  expect(res.statusCode).toBe(200);
  return JSON.parse(res.body ?? '{}') as { token: string; expiresAt: string; replacedLiveToken: boolean };
};

/** The tokens mesibo would still accept for this address. */
const liveTokens = async (t: TokenHarness, address: string) => {
  const state = await t.control.state({ tokens: true });
  const user = state.users.find((u) => u.address === address);
  return (user?.tokens ?? [])
    .filter((k) => k.expiresAt === null || k.expiresAt > Date.now())
    .map((k) => k.token);
};

/** 12 signup-backend calls for one new user, each with its own name and lifetime. */
const twelveDifferent = (i: number) => ({ name: `Nina ${i}`, expiryMinutes: 60 + i });

describe('concurrent re-issue', () => {
  it.each([
    ['in one container', async (t: TokenHarness) => Array.from({ length: 12 }, () => t.handler)],
    ['in 12 containers', (t: TokenHarness) => Promise.all(Array.from({ length: 12 }, () => t.container()))],
  ])(
    '12 concurrent backend calls with different names and lifetimes (%s): one useradd, every token live',
    async (_, handlers) => {
      const t = await startTokenHarness();
      h = t;
      await t.control.addFault({ kind: 'latency', ms: 50, ops: ['useradd'] });
      const results = await Promise.all(
        (await handlers(t)).map((handler, i) => backendIssue(handler, 'nina', twelveDifferent(i))),
      );
      expect(await t.control.requests({ op: 'useradd' })).toHaveLength(1);
      const live = await liveTokens(t, 'nina');
      expect(live).toHaveLength(1);
      expect(results.filter((r) => r.token !== live[0])).toEqual([]);
      expect(results.filter((r) => r.replacedLiveToken)).toEqual([]);
    },
  );
});

describe('sequential re-issue', () => {
  it('a backend call asking for another lifetime replaces the live token and says so', async () => {
    const t = await startTokenHarness();
    h = t;
    const first = await backendIssue(t.handler, 'omar', { name: 'Omar', expiryMinutes: 120 });
    expect(first.replacedLiveToken).toBe(false);
    const same = await backendIssue(t.handler, 'omar', { name: 'Omar', expiryMinutes: 120 });
    expect(same).toEqual(first);

    const longer = await backendIssue(t.handler, 'omar', { expiryMinutes: 240 });
    expect(longer.token).not.toBe(first.token);
    expect(longer.replacedLiveToken).toBe(true);
    // The emulator follows mesibo's documents: a re-issue leaves the earlier token valid until it expires.
    expect(await liveTokens(t, 'omar')).toEqual([first.token, longer.token]);
  });
});
