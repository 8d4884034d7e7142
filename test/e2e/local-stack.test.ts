/**
 * The product end to end through `npm start`, over HTTP only: every route with its real
 * authorizer, the queues and schedules behind them, and the emulator as the observable mesibo.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { APIGatewayProxyEventV2Schema } from '@aws-lambda-powertools/parser/schemas/api-gatewayv2';
import { SqsSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../../local/auth/dev-keys';
import { type EmulatorControl, emulatorControl } from '../../local/mesibo-emulator/control';
import { readSecrets } from '../../local/secrets';
import { ScheduleInputSchema } from '../../shared/system-messages/schedule-input';
import { signPayload } from '../../shared/webhook/signature';
import { REAL_SUBJECTS } from '../support/subjects';
import { call, runHelper, signedWebhook, withIam, withJwt } from './support/helpers';
import { eventually, portIsFree, ROOT, type RunningStack, startStack } from './support/local-stack';

let stack: RunningStack;
let emulator: EmulatorControl;

beforeAll(async () => {
  stack = await startStack();
  emulator = emulatorControl(stack.emulatorUrl);
});

afterAll(async () => {
  if (!stack) return;
  const exit = await stack.stop();
  // A clean shutdown: the stack said so, and neither port is left open.
  expect(stack.output()).toMatch(/SIGTERM: shutting down/);
  expect(exit.signal === 'SIGTERM' || exit.code === 0, JSON.stringify(exit)).toBe(true);
  expect(exit.leftover).toBe(false);
  expect(await portIsFree(stack.port)).toBe(true);
  expect(await portIsFree(stack.emulatorPort)).toBe(true);
});

const user = async (address: string) => (await emulator.state()).users.find((u) => u.address === address);
const problemType = (r: { headers: Headers }) => r.headers.get('content-type');

describe('npm start', () => {
  it('prints the URLs, example calls and a final ready line with the gateway URL', () => {
    const lines = stack.output().trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(new RegExp(`ready at ${stack.url}`));
    expect(stack.output()).toContain(`${stack.url}/_console`);
    expect(stack.output()).toContain('npm run dev:call');
  });

  it('never prints a secret from the state directory', async () => {
    const { readCredentials } = await import('../../local/auth/dev-credentials');
    const secrets = await readSecrets(stack.stateDir);
    const credentials = await readCredentials(stack.stateDir);
    for (const value of [secrets.mesiboAppToken, secrets.webhook.current, credentials.secretAccessKey]) {
      expect(stack.output()).not.toContain(value);
    }
  });

  it('serves the health route without auth, and 404 for anything off the route table', async () => {
    expect((await call(stack, 'GET', '/v1/health')).json).toEqual({ status: 'ok' });
    for (const [method, path] of [
      ['GET', '/v1/nope'],
      ['POST', '/v1/health'],
      ['GET', '/v1/users/me/token'],
      ['POST', '/v1/users//token'],
    ] as const) {
      const r = await call(stack, method, path);
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.json).toEqual({ message: 'Not Found' });
    }
  });
});

describe('user tokens', () => {
  it('issues a token for a dev JWT once: the second request is served from the cache', async () => {
    const { stdout } = await runHelper(stack, 'dev:token', ['alice']);
    const jwt = stdout.trim();
    const first = await withJwt(stack, jwt, 'POST', '/v1/users/me/token');
    const second = await withJwt(stack, jwt, 'POST', '/v1/users/me/token');
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(second.json).toEqual(first.json);
    expect(first.json).toMatchObject({ address: 'alice', appid: 'com.example.app' });
    const useradds = (await emulator.requests({ op: 'useradd' })).filter(
      (r) => (r.params.user as { address?: string } | undefined)?.address === 'alice',
    );
    expect(useradds).toHaveLength(1);
    expect((await user('alice'))?.tokens).toHaveLength(1);
  });

  it('dev:token sends the claims it is given, registered ones and JSON values included', async () => {
    const { stdout } = await runHelper(stack, 'dev:token', [
      'dave',
      '--claim',
      'aud=another-app',
      '--claim',
      'email_verified=true',
      '--claim',
      'employee=7',
      '--claim',
      'badge=007',
      '--claim',
      'code="7"',
    ]);
    const jwt = stdout.trim();
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
    expect(payload).toMatchObject({
      sub: 'dave',
      aud: 'another-app',
      email_verified: true,
      employee: 7,
      badge: '007',
      code: '7',
    });
    // The authorizer holds the audience to the configured one, as API Gateway's does.
    expect((await withJwt(stack, jwt, 'POST', '/v1/users/me/token')).status).toBe(401);
  });

  it('revokes the caller’s tokens', async () => {
    const jwt = await signDevToken(stack.stateDir, { subject: 'dave' });
    const issued = await withJwt(stack, jwt, 'POST', '/v1/users/me/token');
    expect(issued.status).toBe(200);
    const revoked = await withJwt(stack, jwt, 'DELETE', '/v1/users/me/token');
    expect(revoked.status).toBe(204);
    expect((await user('dave'))?.tokens).toEqual([]);
    const again = await withJwt(stack, jwt, 'POST', '/v1/users/me/token');
    expect((again.json as { token: string }).token).not.toBe((issued.json as { token: string }).token);
  });

  it('issues a token over SigV4 for a signup backend, and deletes the user', async () => {
    const issued = await withIam(stack, 'POST', '/v1/users/bob@example.com/token', { name: 'Bob' });
    expect(issued.status).toBe(200);
    expect(issued.json).toMatchObject({ address: 'bob@example.com' });
    expect(await user('bob@example.com')).toMatchObject({ name: 'Bob' });

    const deleted = await withIam(stack, 'DELETE', '/v1/users/bob@example.com');
    expect(deleted.status).toBe(204);
    expect(await user('bob@example.com')).toBeUndefined();
  });

  it.each(REAL_SUBJECTS)('issues a token for a %s subject as its own mesibo address', async (_, subject) => {
    const jwt = await signDevToken(stack.stateDir, { subject });
    const res = await withJwt(stack, jwt, 'POST', '/v1/users/me/token');
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ address: subject });
    expect((await user(subject))?.tokens).toHaveLength(1);
  });

  it('takes a real subject from the path, percent-encoded, decoding it exactly once', async () => {
    const subject = 'google-oauth2|203456789012345678901';
    const res = await withIam(stack, 'POST', `/v1/users/${encodeURIComponent(subject)}/token`);
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ address: subject });
    // `%2561dmin` is the address `%61dmin`, never `admin`.
    const once = await withIam(stack, 'POST', '/v1/users/%2561dmin/token');
    expect(once.json).toMatchObject({ address: '%61dmin' });
    expect(await user('admin')).toBeUndefined();
  });

  it('refuses a non-string subject (401) and the system sender (403), creating no user', async () => {
    const before = (await emulator.requests({ op: 'useradd' })).length;
    const numeric = await signDevToken(stack.stateDir, { subject: 'x', claims: { sub: 777 } });
    const res = await withJwt(stack, numeric, 'POST', '/v1/users/me/token');
    expect(res.status, res.text).toBe(401);
    const system = await signDevToken(stack.stateDir, { subject: 'system' });
    const reserved = await withJwt(stack, system, 'POST', '/v1/users/me/token');
    expect(reserved.status).toBe(403);
    expect(reserved.json).toMatchObject({ code: 'reserved-address' });
    expect(await emulator.requests({ op: 'useradd' })).toHaveLength(before);
  });

  it('signs calls with the dev:call helper', async () => {
    const { stdout } = await runHelper(stack, 'dev:call', ['POST', '/v1/users/erin/token']);
    expect(stdout).toMatch(/^HTTP 200/);
    expect(await user('erin')).toBeDefined();
  });

  it('ends a helper quietly when its reader has gone (`| head -1`), with its own exit code', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'local/dev/call.ts', 'POST', '/v1/users/piped/token'],
      { cwd: ROOT, env: { ...process.env, ...stack.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // The reader is gone before the helper prints anything: every write to stdout meets EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(await user('piped')).toBeDefined();
  });
});

describe('authorizers', () => {
  it('answers 401 like an HTTP API JWT authorizer', async () => {
    const expired = await signDevToken(stack.stateDir, {
      subject: 'alice',
      expiresIn: 1,
      now: new Date(Date.now() - 60_000),
    });
    const { privateKey } = await generateKeyPair('ES256');
    const foreign = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('alice')
      .setExpirationTime('1h')
      .sign(privateKey);
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer nonsense' },
      { authorization: `Bearer ${expired}` },
      { authorization: `Bearer ${foreign}` },
    ];
    for (const headers of attempts) {
      const r = await call(stack, 'POST', '/v1/users/me/token', { headers });
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ message: 'Unauthorized' });
    }
  });

  it('answers 403 like an HTTP API IAM authorizer', async () => {
    const unsigned = await call(stack, 'POST', '/v1/users/zed/token');
    expect(unsigned.status).toBe(403);
    expect(unsigned.json).toEqual({ message: 'Forbidden' });

    const wrongKey = await withIam(
      stack,
      'POST',
      '/v1/users/zed/token',
      {},
      { secretAccessKey: 'not-the-secret-key-at-all' },
    );
    expect(wrongKey.status).toBe(403);
    expect((wrongKey.json as { message: string }).message).toMatch(
      /^The request signature we calculated does not match/,
    );

    const stale = await withIam(
      stack,
      'POST',
      '/v1/users/zed/token',
      {},
      { signingDate: new Date(Date.now() - 10 * 60_000) },
    );
    expect(stale.status).toBe(403);
    expect((stale.json as { message: string }).message).toMatch(/^Signature expired/);

    expect(await user('zed')).toBeUndefined();
  });

  it('refuses a webhook with a bad signature with problem+json and queues nothing', async () => {
    const before = (await call(stack, 'GET', '/_local/queues')).json as { sent: number }[];
    const r = await signedWebhook(
      stack,
      { id: 'forged-1', type: 'group.upsert', group: { key: 'forged', members: [], version: 1 } },
      'a-secret-that-is-not-the-right-one',
    );
    expect(r.status).toBe(401);
    expect(problemType(r)).toBe('application/problem+json');
    const after = (await call(stack, 'GET', '/_local/queues')).json as { sent: number }[];
    expect(after.map((q) => q.sent)).toEqual(before.map((q) => q.sent));
  });
});

describe('group sync', () => {
  it('applies a signed group webhook to mesibo through the FIFO queue and the worker', async () => {
    const r = await signedWebhook(stack, {
      id: 'e2e-delivery-1',
      type: 'group.upsert',
      group: {
        key: 'team-eng',
        name: 'Engineering',
        members: [{ address: 'alice' }, { address: 'carol', permissions: { send: false } }],
        version: 1,
      },
    });
    expect(r.status).toBe(202);
    // groupadd and groupeditmembers are two calls: wait for the members, not just the group.
    const group = await eventually(async () =>
      (await emulator.state()).groups.find((g) => g.name === 'Engineering' && g.members.length === 2),
    );
    expect(group.members.map((m) => m.address).sort()).toEqual(['alice', 'carol']);
    expect(group.members.find((m) => m.address === 'carol')?.permissions.send).toBe(false);
  });

  it('signs and sends a file with the sign-webhook helper', async () => {
    const { stdout } = await runHelper(stack, 'sign-webhook', ['local/dev/examples/group-webhook.json']);
    expect(stdout).toMatch(/^HTTP 202/);
    const printed = await runHelper(stack, 'sign-webhook', [
      'local/dev/examples/group-webhook.json',
      '--print',
    ]);
    expect(printed.stdout).toMatch(/^x-mesibo-signature: t=\d+,v1=[0-9a-f]{64}$/m);
    // The printed curl command works as pasted: it sends the exact bytes (the file ends in a newline).
    const curl = printed.stdout.split('\n').find((l) => l.startsWith('curl '));
    expect(curl).toMatch(/--data-binary @local\/dev\/examples\/group-webhook\.json$/);
    const sent = await promisify(execFile)('sh', ['-c', `${curl} -s -o /dev/null -w '%{http_code}'`], {
      cwd: ROOT,
    });
    expect(sent.stdout).toBe('202');
  });
});

describe('system messages', () => {
  it('sends to addresses', async () => {
    const r = await withIam(stack, 'POST', '/v1/system-messages', {
      audience: { addresses: ['alice', 'erin'] },
      message: { title: 'Hello', text: 'to addresses' },
    });
    expect(r.status).toBe(202);
    const sent = await eventually(async () =>
      (await emulator.state()).messages.find((m) => m.message === 'to addresses'),
    );
    expect(sent.to.sort()).toEqual(['alice', 'erin']);
  });

  it('sends to every cached user through an expansion task and answers the status through the gateway', async () => {
    const r = await withIam(stack, 'POST', '/v1/system-messages', {
      notificationId: 'e2e-all-users',
      audience: { allUsers: true },
      message: { text: 'to all users' },
    });
    expect(r.status).toBe(202);
    expect(r.json).toEqual({ notificationId: 'e2e-all-users', recipients: { allUsers: true } });
    const status = await eventually(async () => {
      const s = await withIam(stack, 'GET', '/v1/system-messages/e2e-all-users');
      return (s.json as { state?: string }).state === 'done' ? s : undefined;
    });
    const sent = (await emulator.state()).messages.filter((m) => m.message === 'to all users');
    const recipients = sent.flatMap((m) => m.to);
    expect(status.json).toMatchObject({
      audience: 'allUsers',
      recipients: { total: recipients.length, sent: recipients.length, pending: 0 },
    });
    expect(new Set(recipients).size).toBe(recipients.length);
    const unknown = await withIam(stack, 'GET', '/v1/system-messages/no-such-notification');
    expect(unknown.status).toBe(404);
    expect(problemType(unknown)).toBe('application/problem+json');
    const unsigned = await call(stack, 'GET', '/v1/system-messages/e2e-all-users');
    expect(unsigned.status).toBe(403);
  });

  it('sends to a synced group by its key', async () => {
    const gid = (await emulator.state()).groups.find((g) => g.name === 'Engineering')?.gid;
    expect(gid).toBeDefined();
    const r = await withIam(stack, 'POST', '/v1/system-messages', {
      audience: { group: { key: 'team-eng' } },
      message: { text: 'to the group' },
    });
    expect(r.status).toBe(202);
    const sent = await eventually(async () =>
      (await emulator.state()).messages.find((m) => m.message === 'to the group'),
    );
    expect(sent.gid).toBe(gid);
  });

  it('sends at sendAt through a one-time schedule', async () => {
    const sendAt = new Date(Date.now() + 4000).toISOString();
    const r = await withIam(stack, 'POST', '/v1/system-messages', {
      audience: { addresses: ['alice'] },
      message: { text: 'later' },
      sendAt,
    });
    expect(r.status).toBe(202);
    const schedules = (await call(stack, 'GET', '/_local/schedules')).json as {
      oneTime: { pending: unknown[] };
    };
    expect(schedules.oneTime.pending).toHaveLength(1);
    expect((await emulator.state()).messages.find((m) => m.message === 'later')).toBeUndefined();
    await eventually(
      async () => (await emulator.state()).messages.find((m) => m.message === 'later'),
      15_000,
    );
  });

  it('fires a recurring schedule now', async () => {
    const r = await call(stack, 'POST', '/_local/schedules/weekday-standup-reminder/fire');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ ok: true, attempts: 1 });
    await eventually(async () =>
      (await emulator.state()).messages.find((m) => m.message === 'Stand-up starts in 10 minutes.'),
    );
    const unknown = await call(stack, 'POST', '/_local/schedules/no-such-schedule/fire');
    expect(unknown.status).toBe(404);
  });

  it('rejects bad input with problem+json and changes nothing', async () => {
    const before = await emulator.state();
    const requestsBefore = (await emulator.requests()).length;
    const cases = [
      await withIam(stack, 'POST', '/v1/system-messages', {
        audience: { addresses: [] },
        message: { text: 'x' },
      }),
      await withIam(stack, 'POST', '/v1/system-messages', '{not json'),
      await withIam(stack, 'POST', '/v1/system-messages', {
        audience: { addresses: ['a'] },
        message: { text: 'x' },
        from: 'alice',
      }),
      await withIam(stack, 'POST', '/v1/system-messages', {
        audience: { addresses: ['a'] },
        message: { text: 'x' },
        extra: 1,
      }),
      await withIam(stack, 'POST', '/v1/users/has%2Ccomma/token'),
      await withIam(stack, 'POST', '/v1/users/frank/token', { expiryMinutes: -5 }),
    ];
    for (const r of cases) {
      expect(r.status).toBe(400);
      expect(problemType(r)).toBe('application/problem+json');
      expect(r.json).toMatchObject({ status: 400, code: 'invalid-request' });
      // Every route's problems name the request they answer, the same way.
      expect((r.json as { instance?: string }).instance).toMatch(/^\/v1\/(users\/|system-messages$)/);
      expect(r.text).not.toMatch(/at .*\.ts:\d+/);
    }
    expect(await emulator.state()).toEqual(before);
    expect((await emulator.requests()).length).toBe(requestsBefore);
  });

  it('refuses a body over the API Gateway payload limit', async () => {
    const r = await call(stack, 'POST', '/v1/webhooks/groups', {
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(10 * 1024 * 1024 + 1),
    });
    expect(r.status).toBe(413);
  });

  it('refuses a body not labelled JSON with 415 on every route that reads one, changing nothing', async () => {
    const before = await emulator.state();
    const requestsBefore = (await emulator.requests()).length;
    const jwt = await signDevToken(stack.stateDir, { subject: 'media-type' });
    const key = (await readSecrets(stack.stateDir)).webhook.current;
    const webhook = JSON.stringify({
      id: 'evt-media-type',
      type: 'group.upsert',
      group: { key: 'media-type', name: 'M', version: 1, members: [{ address: 'a' }] },
    });
    const cases = [
      await call(stack, 'POST', '/v1/users/me/token', {
        headers: { authorization: `Bearer ${jwt}`, 'content-type': 'text/plain' },
        body: '{"expiryMinutes":60}',
      }),
      await call(stack, 'POST', '/v1/webhooks/groups', {
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-mesibo-signature': signPayload(key, webhook, Math.floor(Date.now() / 1000)),
        },
        body: webhook,
      }),
    ];
    for (const r of cases) {
      expect(r.status).toBe(415);
      expect(problemType(r)).toBe('application/problem+json');
      expect(r.json).toMatchObject({ code: 'unsupported-media-type', errors: [{ field: '(content-type)' }] });
      expect((r.json as { instance?: string }).instance).toMatch(
        /^\/v1\/(users\/me\/token|webhooks\/groups)$/,
      );
    }
    expect(await emulator.state()).toEqual(before);
    expect((await emulator.requests()).length).toBe(requestsBefore);
  });
});

describe('local endpoints', () => {
  it('reports status, queues and schedules as JSON and serves the console', async () => {
    const status = (await call(stack, 'GET', '/_local/status')).json as {
      ready: boolean;
      functions: { wired: boolean }[];
    };
    expect(status.ready).toBe(true);
    expect(status.functions.every((f) => f.wired)).toBe(true);
    const queues = (await call(stack, 'GET', '/_local/queues')).json as { name: string; dlq: number }[];
    expect(queues.map((q) => q.name)).toEqual(['group-sync.fifo', 'fanout']);
    const page = await call(stack, 'GET', '/_console');
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toContain('/_console/console.js');
  });

  it('keeps the latest events, of the AWS shapes (Powertools parser schemas), credentials redacted', async () => {
    const records = (
      (await call(stack, 'GET', '/_local/invocations?events=1')).json as {
        entries: { function: string; source: 'http' | 'sqs' | 'schedule'; event?: unknown }[];
      }
    ).entries;
    const withEvents = records.filter((r) => r.event !== undefined);
    // Earlier tests went through all three sources; the latest invocations keep their events.
    expect(new Set(withEvents.map((r) => r.source))).toEqual(new Set(['http', 'sqs', 'schedule']));
    for (const { function: fn, source, event } of withEvents) {
      // Scheduler hands a Lambda target the schedule's input as is, not an EventBridge envelope.
      const schema = { http: APIGatewayProxyEventV2Schema, sqs: SqsSchema, schedule: ScheduleInputSchema }[
        source
      ];
      const parsed = schema.safeParse(event);
      expect(parsed.success, `${source} event of ${fn}: ${parsed.error?.message}`).toBe(true);
    }
    const http = withEvents.filter((r) => r.source === 'http').map((r) => r.event as { headers: object });
    expect(http.some((e) => 'authorization' in e.headers)).toBe(true);
    for (const e of http) expect(JSON.stringify(e.headers)).not.toMatch(/Bearer |AWS4-HMAC-SHA256 /);
    // Without ?events=1 the list stays small.
    const plain = (await call(stack, 'GET', '/_local/invocations')).json as {
      entries: { event?: unknown }[];
    };
    expect(plain.entries.every((r) => r.event === undefined)).toBe(true);
  });

  it('shows users without their tokens unless asked', async () => {
    const hidden = (await call(stack, 'GET', '/_local/emulator/state')).json as {
      users: { tokens: { token?: string }[] }[];
    };
    expect(hidden.users.flatMap((u) => u.tokens).every((t) => t.token === undefined)).toBe(true);
    const shown = (await call(stack, 'GET', '/_local/emulator/state?tokens=1')).json as {
      users: { tokens: { token?: string }[] }[];
    };
    expect(shown.users.flatMap((u) => u.tokens).some((t) => typeof t.token === 'string')).toBe(true);
  });
});
