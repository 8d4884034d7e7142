/**
 * The console's feeds on the whole local stack (emulator, dynalite, the real functions, the gateway
 * over a socket): a `since` cursor answers only what came after it, the other views answer 304 while
 * unchanged, invocations carry their log lines and their gateway request id, dead letters their
 * reason, groups their key; and no secret (app token, webhook secrets) reaches any of them, even when
 * a caller sends one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCredentials } from '../../../local/auth/dev-credentials';
import { signDevToken } from '../../../local/auth/dev-keys';
import { signedHeaders } from '../../../local/dev/client';
import { emulatorControl } from '../../../local/mesibo-emulator/control';
import { readSecrets } from '../../../local/secrets';
import { type LocalStack, startLocalStack } from '../../../local/stack';
import { signPayload } from '../../../shared/webhook/signature';
import { eventually, freePort } from '../../e2e/support/local-stack';

interface Page<T> {
  cursor: string;
  reset: boolean;
  entries: (T & { seq: number })[];
}
interface GatewayEntry {
  requestId: string;
  method: string;
  path: string;
  status: number;
  body?: string;
}
interface Invocation {
  function: string;
  source: string;
  outcome: string;
  gatewayRequestId?: string;
  logs: string[];
  event?: unknown;
}

let stack: LocalStack;
let stateDir: string;
let secrets: string[];

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${stack.url}${path}`, { headers });
const getJson = async <T>(path: string): Promise<T> => {
  const res = await get(path);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
};

const iam = async (method: string, path: string, body: unknown) => {
  const url = `${stack.url}${path}`;
  const text = JSON.stringify(body);
  const headers = await signedHeaders(await readCredentials(stateDir), {
    method,
    url,
    body: text,
    headers: { 'content-type': 'application/json' },
  });
  return fetch(url, { method, headers, body: text });
};

const webhook = async (body: unknown) => {
  const text = JSON.stringify(body);
  const key = (await readSecrets(stateDir)).webhook.current;
  return fetch(`${stack.url}/v1/webhooks/groups`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-mesibo-signature': signPayload(key, text, Math.floor(Date.now() / 1000)),
    },
    body: text,
  });
};

const expectNoSecret = (text: string) => {
  for (const secret of secrets) expect(text).not.toContain(secret);
};

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'console-feeds-'));
  stack = await startLocalStack({ port: await freePort(), emulatorPort: await freePort(), stateDir });
  const s = await readSecrets(stateDir);
  secrets = [s.mesiboAppToken, s.webhook.current];
});

afterAll(async () => {
  await stack?.close();
  await rm(stateDir, { recursive: true, force: true });
});

describe('feeds read by cursor', () => {
  it('answers only the gateway requests after the cursor, with no header and no body secret', async () => {
    const first = await getJson<Page<GatewayEntry>>('/_local/requests');
    expect(first.reset).toBe(true);

    const jwt = await signDevToken(stateDir, { subject: 'alice' });
    const token = await fetch(`${stack.url}/v1/users/me/token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
      body: JSON.stringify({ appid: 'com.example.app' }),
    });
    expect(token.status).toBe(200);
    const next = await getJson<Page<GatewayEntry>>(`/_local/requests?since=${first.cursor}`);
    expect(next.reset).toBe(false);
    expect(next.entries).toMatchObject([
      { method: 'POST', path: '/v1/users/me/token', status: 200, body: '{"appid":"com.example.app"}' },
    ]);
    expect(next.entries[0]?.requestId).toBe(token.headers.get('apigw-requestid'));
    expect(JSON.stringify(next)).not.toContain(jwt);
    // The console's own polls are not the product's traffic.
    expect(next.entries.some((e) => e.path.startsWith('/_local'))).toBe(false);

    const after = await getJson<Page<GatewayEntry>>(`/_local/requests?since=${next.cursor}`);
    expect(after).toEqual({ cursor: next.cursor, reset: false, entries: [] });
  });

  it('starts over for a cursor of another run, and names a malformed one', async () => {
    const page = await getJson<Page<GatewayEntry>>('/_local/requests?since=00000000-5');
    expect(page.reset).toBe(true);
    const bad = await get('/_local/invocations?since=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
    expect(await bad.json()).toMatchObject({ code: 'invalid-request', errors: [{ field: 'since' }] });
    for (const limit of ['0', '201', '999']) {
      const res = await get(`/_local/requests?limit=${limit}`);
      expect(res.status, limit).toBe(400);
      expect(await res.json()).toMatchObject({ errors: [{ field: 'limit' }] });
    }
    expect((await get('/_local/requests?limit=200')).status).toBe(200);
  });

  it('links an HTTP invocation to its gateway request and keeps what it logged', async () => {
    const before = await getJson<Page<Invocation>>('/_local/invocations');
    const res = await iam('POST', '/v1/users/bob/token', { appid: 'not.an.allowed.app' });
    expect(res.status).toBe(400);
    const page = await getJson<Page<Invocation>>(`/_local/invocations?since=${before.cursor}`);
    expect(page.entries).toHaveLength(1);
    expect(page.entries[0]).toMatchObject({
      function: 'issue-user-token',
      source: 'http',
      outcome: 'ok',
      gatewayRequestId: res.headers.get('apigw-requestid'),
    });
    // Powertools' JSON lines, as the function printed them.
    const lines = page.entries[0]?.logs.map((l) => JSON.parse(l) as { service?: string }) ?? [];
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.service === 'issue-user-token')).toBe(true);
  });

  it('answers the mesibo requests after the cursor only', async () => {
    const first = await getJson<Page<{ op: string }>>('/_local/emulator/requests');
    const res = await iam('POST', '/v1/users/carol/token', {});
    expect(res.status).toBe(200);
    const next = await getJson<Page<{ op: string }>>(`/_local/emulator/requests?since=${first.cursor}`);
    expect(next.reset).toBe(false);
    expect(next.entries.map((e) => e.op)).toEqual(['useradd']);
    expect(next.entries[0]?.seq).toBe((first.entries.at(-1)?.seq ?? 0) + 1);
    // A reset of the emulator's log is a new start for the console, not a silence.
    await emulatorControl(stack.emulatorUrl ?? '').reset();
    const after = await getJson<Page<{ op: string }>>(`/_local/emulator/requests?since=${next.cursor}`);
    expect(after).toMatchObject({ reset: true, entries: [] });
  });
});

describe('views', () => {
  it('answers 304 to the ETag while a view is unchanged, and the new view once it changes', async () => {
    const res = await get('/_local/groups');
    const etag = res.headers.get('etag') ?? '';
    expect(await res.json()).toEqual([]);
    expect((await get('/_local/groups', { 'if-none-match': etag })).status).toBe(304);

    expect(
      (
        await webhook({
          id: 'feeds-1',
          type: 'group.upsert',
          group: { key: 'team-feeds', name: 'Feeds', members: [{ address: 'alice' }], version: 1 },
        })
      ).status,
    ).toBe(202);
    const groups = await eventually(async () => {
      const r = await get('/_local/groups', { 'if-none-match': etag });
      const body = r.status === 200 ? ((await r.json()) as { memberCount?: number }[]) : undefined;
      // The group is created before its members are added: wait for the whole change.
      return body?.[0]?.memberCount === 1 ? body : undefined;
    });
    const gid = (await emulatorControl(stack.emulatorUrl ?? '').state()).groups[0]?.gid;
    expect(groups).toEqual([{ key: 'team-feeds', gid, name: 'Feeds', memberCount: 1, state: 'active' }]);
  });

  it('shows a dead letter with the reason the worker gave', async () => {
    const before = await getJson<Page<Invocation>>('/_local/invocations');
    await emulatorControl(stack.emulatorUrl ?? '').addFault({
      kind: 'status-after-apply',
      status: 500,
      ops: ['message'],
      count: 1,
    });
    const res = await iam('POST', '/v1/system-messages', {
      audience: { addresses: ['dora'] },
      message: { text: 'lost in the post' },
    });
    expect(res.status).toBe(202);
    const fanout = await eventually(async () => {
      const dlqs =
        await getJson<{ name: string; letters: { reason: string; body: string }[] }[]>(
          '/_local/dead-letters',
        );
      return dlqs.find((q) => q.name === 'fanout-dlq' && q.letters.length > 0);
    });
    expect(fanout.letters[0]?.reason).toMatch(/^outcome-unknown: mesibo may or may not have sent it/);
    expect(fanout.letters[0]?.body).toContain('lost in the post');
    // The dead letter is written during the invocation, which is recorded when it settles.
    const worker = await eventually(async () => {
      const page = await getJson<Page<Invocation>>(`/_local/invocations?since=${before.cursor}`);
      return page.entries.find((r) => r.function === 'send-system-message-worker');
    });
    expect(worker.logs.join('\n')).toContain('batch dead-lettered');
  });

  it('lists system messages with the status the product answers: a sent one done, a lost one unknown', async () => {
    const sent = await iam('POST', '/v1/system-messages', {
      notificationId: 'console-done',
      audience: { addresses: ['erin', 'fay'] },
      message: { text: 'all good' },
    });
    expect(sent.status).toBe(202);
    await emulatorControl(stack.emulatorUrl ?? '').addFault({
      kind: 'status-after-apply',
      status: 500,
      ops: ['message'],
      count: 1,
    });
    const lost = await iam('POST', '/v1/system-messages', {
      notificationId: 'console-unknown',
      audience: { addresses: ['gus'] },
      message: { text: 'maybe' },
    });
    expect(lost.status).toBe(202);
    type Shown = { notificationId: string; state: string; recipients: Record<string, number> };
    const shown = await eventually(async () => {
      const list = await getJson<Shown[]>('/_local/system-messages');
      const done = list.find((n) => n.notificationId === 'console-done');
      const unknown = list.find((n) => n.notificationId === 'console-unknown');
      return done?.state === 'done' && unknown?.state === 'done-with-failures'
        ? { done, unknown }
        : undefined;
    });
    expect(shown.done.recipients).toMatchObject({ sent: 2, unknown: 0, failed: 0 });
    expect(shown.unknown.recipients).toMatchObject({ sent: 0, unknown: 1 });
    // A view like the others: 304 while nothing changed.
    const first = await get('/_local/system-messages');
    const again = await get('/_local/system-messages', { 'if-none-match': first.headers.get('etag') ?? '' });
    expect(again.status).toBe(304);
  });
});

describe('the local API itself', () => {
  it('answers its errors as problem+json naming what was not found', async () => {
    const cases = [
      ['POST', '/_local/queues/nonesuch/redrive', 'no queue or DLQ named "nonesuch"'],
      ['POST', '/_local/schedules/nonesuch/fire', 'no schedule named nonesuch'],
      // A segment that does not decode names nothing, rather than failing the request.
      ['POST', '/_local/queues/%FF/redrive', 'no queue or DLQ named "%FF"'],
      ['POST', '/_local/schedules/%FF/fire', 'no schedule named %FF'],
      ['GET', '/_local/nonesuch', 'GET /_local/nonesuch'],
    ] as const;
    for (const [method, path, detail] of cases) {
      const res = await fetch(`${stack.url}${path}`, { method });
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toBe('application/problem+json');
      expect(await res.json(), path).toMatchObject({ status: 404, code: 'not-found', detail });
    }
  });

  it('answers /favicon.ico with an empty 204 and keeps it out of the gateway requests', async () => {
    const first = await getJson<Page<GatewayEntry>>('/_local/requests');
    const icon = await get('/favicon.ico');
    expect(icon.status).toBe(204);
    expect(await icon.text()).toBe('');
    await get('/v1/health');
    const next = await getJson<Page<GatewayEntry>>(`/_local/requests?since=${first.cursor}`);
    expect(next.entries.map((e) => e.path)).toEqual(['/v1/health']);
  });
});

describe('secrets', () => {
  it("replaces a webhook's signature header in the events the invocations feed shows", async () => {
    const before = await getJson<Page<Invocation>>('/_local/invocations');
    const res = await webhook({
      id: 'feeds-signature',
      type: 'group.upsert',
      group: { key: 'signed', members: [{ address: 'alice' }], version: 1 },
    });
    expect(res.status).toBe(202);
    const page = await getJson<Page<Invocation>>(`/_local/invocations?events=1&since=${before.cursor}`);
    const received = page.entries.find((e) => e.function === 'sync-group');
    const event = received?.event as { headers: Record<string, string> } | undefined;
    expect(event?.headers['x-mesibo-signature']).toBe('[REDACTED]');
    expect(JSON.stringify(page)).not.toMatch(/v1=[0-9a-f]{64}/);
  });

  it('never shows the app token or a webhook secret, even when a caller sends them', async () => {
    const [appToken, webhookSecret] = secrets as [string, string];
    // A caller puts the secrets where the feeds look: a path, a body, a group name mesibo receives.
    await iam('POST', `/v1/users/${appToken}/token`, { appid: webhookSecret });
    await webhook({
      id: 'feeds-secret',
      type: 'group.upsert',
      group: { key: 'leaky', name: `named ${webhookSecret}`, members: [{ address: appToken }], version: 1 },
    });
    await eventually(async () => {
      const groups = await getJson<{ key: string; gid?: number }[]>('/_local/groups');
      return groups.find((g) => g.key === 'leaky' && g.gid !== undefined);
    });
    const seen = await Promise.all(
      [
        '/_local/requests',
        '/_local/invocations?events=1',
        '/_local/emulator/requests',
        '/_local/dead-letters',
        '/_local/groups',
        '/_local/emulator/state',
      ].map(async (path) => (await get(path)).text()),
    );
    const all = seen.join('\n');
    expect(all).toContain('[REDACTED]');
    expectNoSecret(all);
  });
});
