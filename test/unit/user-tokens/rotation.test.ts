/**
 * App token rotation end to end: the real mesibo client against a scripted loopback mesibo that
 * accepts only the rotated token, and a SecretSource that serves its cached value until forced.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CountingMetrics } from '../../../local/harness/counting-metrics';
import { silentLogger } from '../../../local/harness/loggers';
import { createMesiboClient, type MesiboCallOutcome, type MesiboHttpClient } from '../../../shared/mesibo';
import { createTokenService } from '../../../shared/user-tokens/issue-token';
import { type ScriptedMesibo, startScriptedMesibo } from '../mesibo/scripted-mesibo';
import { VirtualTime } from './support/fakes';
import { MemoryTokenStore } from './support/memory-store';

describe('app token rotation', () => {
  let mesibo: ScriptedMesibo | undefined;
  let client: MesiboHttpClient | undefined;
  afterEach(async () => {
    await client?.close();
    await mesibo?.close();
    client = undefined;
    mesibo = undefined;
  });

  it('on AUTHFAIL refreshes the app token once and retries once, and the request succeeds', async () => {
    mesibo = await startScriptedMesibo();
    const received: string[] = [];
    mesibo.always((req) => {
      const body = JSON.parse(req.body) as { id: number; token: string };
      received.push(body.token);
      return {
        body:
          body.token === 'rotated'
            ? {
                op: 'useradd',
                result: true,
                id: body.id,
                user: { uid: 9, token: 'user-token-from-mesibo-0123456789' },
              }
            : { op: 'useradd', result: false, id: body.id, error: 'AUTHFAIL', code: 401 },
      };
    });

    // Secrets Manager already holds the rotated value; this container still caches the old one.
    const reads: { forceRefresh?: boolean }[] = [];
    const appToken = async (options: { forceRefresh?: boolean } = {}) => {
      reads.push(options);
      return options.forceRefresh ? 'rotated' : 'before-rotation';
    };
    const calls: MesiboCallOutcome[] = [];
    const mesiboClient = createMesiboClient({
      baseUrl: mesibo.baseUrl,
      style: 'json',
      appToken,
      onCall: (call) => calls.push(call),
    });
    client = mesiboClient;
    const time = new VirtualTime();
    const metrics = new CountingMetrics();
    const service = createTokenService(
      {
        store: new MemoryTokenStore(),
        mesibo: async () => mesiboClient,
        clock: time.clock,
        sleep: time.sleep,
        random: () => 0.5,
        newId: () => 'one',
        metrics,
        logger: silentLogger(),
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
