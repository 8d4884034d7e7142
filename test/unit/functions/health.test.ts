import { describe, expect, it } from 'vitest';
import { createHandler } from '../../../functions/health/handler';
import { silentLogger } from '../../../local/harness/loggers';
import { buildHealthDeps } from '../../../shared/health/deps';
import { type Readiness, readinessCheck } from '../../../shared/health/readiness';
import type { SecretSource } from '../../../shared/ports';
import { awsPlatform } from '../../../shared/runtime/aws/platform';
import { awsSecrets } from '../../../shared/runtime/aws/secrets';
import { APP_TOKEN_PLACEHOLDER } from '../../../shared/secrets/app-token';

const silent = silentLogger();
const WEBHOOK = JSON.stringify({ current: 'c'.repeat(32) });
const PLACEHOLDER = JSON.stringify({
  ...JSON.parse(APP_TOKEN_PLACEHOLDER.secretStringTemplate),
  [APP_TOKEN_PLACEHOLDER.generateStringKey]: 'r'.repeat(32),
});

/** A secret that counts its reads and answers what `value` holds at the time (a throw for an Error). */
const secret = (initial: string | Error) => {
  const state = { value: initial, reads: 0 };
  const source: SecretSource = async () => {
    state.reads += 1;
    if (state.value instanceof Error) throw state.value;
    return state.value;
  };
  return { state, source };
};

const ready: Readiness = { status: 'ok', secrets: { mesiboAppToken: 'set', webhook: 'set' } };

describe('health handler', () => {
  it('answers liveness 200 ok without a readiness check', async () => {
    let checks = 0;
    const handler = createHandler({
      logger: silent,
      readiness: async () => {
        checks += 1;
        return ready;
      },
    });
    for (const query of [undefined, {}, { deep: '0' }, { deep: 'false' }]) {
      await expect(handler({ queryStringParameters: query })).resolves.toEqual({
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: '{"status":"ok"}',
      });
    }
    expect(checks).toBe(0);
  });

  it('?deep=1 answers the readiness, 503 when not ready; a bad deep value is a 400 naming it', async () => {
    let answer: Readiness = ready;
    const handler = createHandler({ logger: silent, readiness: async () => answer });
    const ok = await handler({ queryStringParameters: { deep: '1' } });
    expect(ok).toMatchObject({ statusCode: 200, headers: { 'cache-control': 'no-store' } });
    answer = { status: 'not-ready', secrets: { mesiboAppToken: 'placeholder', webhook: 'set' } };
    const notReady = await handler({ queryStringParameters: { deep: 'true' } });
    expect(notReady).toMatchObject({ statusCode: 503, body: JSON.stringify(answer) });

    const bad = await handler({ queryStringParameters: { deep: 'yes' } });
    expect(bad).toMatchObject({ statusCode: 400, headers: { 'content-type': 'application/problem+json' } });
    expect(JSON.parse(String((bad as { body: string }).body)).errors).toEqual([
      { field: 'deep', message: 'must be 1, true, 0 or false' },
    ]);
  });
});

describe('health wiring', () => {
  it('loads its logger on the first refusal, never for liveness', async () => {
    const deps = buildHealthDeps(
      { MESIBO_APP_TOKEN_SECRET_ID: 'app', WEBHOOK_SECRET_ID: 'hook' },
      awsPlatform(awsSecrets),
    );
    const load = deps.logger;
    let loads = 0;
    const handler = createHandler({
      ...deps,
      logger: async () => {
        loads += 1;
        return load();
      },
    });
    await expect(handler({ queryStringParameters: {} })).resolves.toMatchObject({ statusCode: 200 });
    expect(loads).toBe(0);
    const refused = await handler({ queryStringParameters: { deep: 'yes' } });
    expect(refused).toMatchObject({ statusCode: 400 });
    expect(JSON.parse((refused as { body: string }).body).errors).toEqual([
      { field: 'deep', message: 'must be 1, true, 0 or false' },
    ]);
    expect(loads).toBe(1);
    expect(await load()).toBe(await load());
  });
});

describe('readiness check', () => {
  const check = (appToken: string | Error, webhook: string | Error = WEBHOOK) => {
    const clock = { t: 0, now: () => clock.t };
    const app = secret(appToken);
    const hook = secret(webhook);
    const run = readinessCheck({ appToken: app.source, webhook: hook.source, clock, logger: silent });
    return { run, clock, app, hook };
  };

  it('reports each secret as set, placeholder, unreadable or invalid, never its value', async () => {
    await expect(check('real-app-token').run()).resolves.toEqual(ready);
    const placeholder = await check(PLACEHOLDER).run();
    expect(placeholder).toEqual({
      status: 'not-ready',
      secrets: { mesiboAppToken: 'placeholder', webhook: 'set' },
    });
    expect(JSON.stringify(placeholder)).not.toContain('r'.repeat(32));
    await expect(check(new Error('AccessDeniedException'), 'not json').run()).resolves.toEqual({
      status: 'not-ready',
      secrets: { mesiboAppToken: 'unreadable', webhook: 'invalid' },
    });
    await expect(check('  ', new Error('ResourceNotFoundException')).run()).resolves.toEqual({
      status: 'not-ready',
      secrets: { mesiboAppToken: 'unreadable', webhook: 'unreadable' },
    });
  });

  it('reads each secret at most once per 30 s window, however many checks arrive', async () => {
    const { run, clock, app, hook } = check(PLACEHOLDER);
    await Promise.all(Array.from({ length: 20 }, () => run()));
    clock.t = 29_999;
    await run();
    expect([app.state.reads, hook.state.reads]).toEqual([1, 1]);

    // Set meanwhile: the next window reads it afresh.
    app.state.value = 'real-app-token';
    clock.t = 30_000;
    await expect(run()).resolves.toEqual(ready);
    expect([app.state.reads, hook.state.reads]).toEqual([2, 2]);
  });
});
