/**
 * App token rotation end to end without sockets: the real mesibo client over an undici MockAgent that
 * accepts only the rotated token, and a SecretSource that serves its cached value until forced.
 */
import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createMesiboClient, type MesiboCallOutcome } from '../../../shared/mesibo';
import { createTokenService } from '../../../shared/token/issue-token';
import { RecordingMetrics, silentLogger, VirtualTime } from './support/fakes';
import { MemoryTokenStore } from './support/memory-store';

const ORIGIN = 'http://mesibo.test';

describe('app token rotation', () => {
  let agent: MockAgent | undefined;
  afterEach(async () => {
    await agent?.close();
    agent = undefined;
  });

  it('on AUTHFAIL refreshes the app token once and retries once, and the request succeeds', async () => {
    agent = new MockAgent();
    agent.disableNetConnect();
    const received: string[] = [];
    agent
      .get(ORIGIN)
      .intercept({ path: '/backend/', method: 'POST' })
      .reply(200, (req) => {
        const body = JSON.parse(String(req.body)) as { id: number; token: string };
        received.push(body.token);
        return body.token === 'rotated'
          ? {
              op: 'useradd',
              result: true,
              id: body.id,
              user: { uid: 9, token: 'user-token-from-mesibo-0123456789' },
            }
          : { op: 'useradd', result: false, id: body.id, error: 'AUTHFAIL', code: 401 };
      })
      .persist();

    // Secrets Manager already holds the rotated value; this container still caches the old one.
    const reads: { forceRefresh?: boolean }[] = [];
    const appToken = async (options: { forceRefresh?: boolean } = {}) => {
      reads.push(options);
      return options.forceRefresh ? 'rotated' : 'before-rotation';
    };
    const calls: MesiboCallOutcome[] = [];
    const client = createMesiboClient({
      baseUrl: `${ORIGIN}/backend/`,
      style: 'json',
      appToken,
      dispatcher: agent,
      onCall: (call) => calls.push(call),
    });
    const time = new VirtualTime();
    const metrics = new RecordingMetrics();
    const service = createTokenService(
      {
        store: new MemoryTokenStore(),
        mesibo: async () => client,
        clock: time.clock,
        sleep: time.sleep,
        random: () => 0.5,
        newId: () => 'one',
        metrics,
        logger: silentLogger,
      },
      { refreshWindow: 0.1, leaseMs: 5000, appids: ['com.example.app'] },
    );

    const { token } = await service.issue({ address: 'alice', appid: 'com.example.app', expiryMinutes: 60 });
    expect(token.token).toBe('user-token-from-mesibo-0123456789');
    expect(received).toEqual(['before-rotation', 'rotated']);
    expect(reads.filter((r) => r.forceRefresh)).toHaveLength(1);
    // One successful call for the metrics: the refreshed retry is an attempt, not an error.
    expect(calls).toEqual([expect.objectContaining({ op: 'useradd', ok: true, attempts: 2 })]);
  });
});
