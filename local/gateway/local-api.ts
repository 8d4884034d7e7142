/**
 * The local tooling's own endpoints (never part of the product API): JSON views of the emulator, the
 * queues, the schedules, the invocations and the gateway requests, which the console polls; actions
 * (fire a schedule now, redrive a DLQ); the dev key set; and the console page itself.
 */
import { readFile } from 'node:fs/promises';
import type { JSONWebKeySet } from 'jose';
import type { LambdaRuntime } from '../lambda/runtime';
import type { EmulatorControl } from '../mesibo-emulator/control';
import type { DeadLetterQueue, LocalQueue } from '../queue/local-queue';
import type { LocalOneTimeScheduler } from '../scheduler/one-time';
import { type RecurringScheduler, UnknownScheduleError } from '../scheduler/recurring';
import type { HttpResponse } from './result';
import type { GatewayRequestRecord, LocalHandler, LocalRequest } from './server';

export interface LocalApiDeps {
  status: () => unknown;
  jwks: JSONWebKeySet;
  /** Absent when the stack talks to the real mesibo. */
  emulator?: EmulatorControl;
  runtime: LambdaRuntime;
  queues: LocalQueue[];
  recurring: RecurringScheduler;
  oneTime: LocalOneTimeScheduler;
  schedulerDlq: DeadLetterQueue;
  gatewayRequests: () => GatewayRequestRecord[];
}

const json = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: Buffer.from(JSON.stringify(body)),
});

const CONSOLE_FILES: Record<string, { file: string; type: string }> = {
  '/_console': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/_console/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/_console/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
};

const consoleFile = async (path: string): Promise<HttpResponse | undefined> => {
  const entry = CONSOLE_FILES[path.replace(/\/$/, '') || path];
  if (!entry) return undefined;
  const body = await readFile(new URL(`../console/${entry.file}`, import.meta.url));
  return { status: 200, headers: { 'content-type': entry.type, 'cache-control': 'no-store' }, body };
};

export const createLocalApi = (deps: LocalApiDeps): LocalHandler => {
  const noEmulator = () =>
    json(409, { message: 'the stack uses the real mesibo; there is no emulator to show' });

  const get: Record<string, (req: LocalRequest) => Promise<HttpResponse>> = {
    '/_local/status': async () => json(200, deps.status()),
    '/_local/jwks.json': async () => json(200, deps.jwks),
    // The emulator hides tokens unless asked; `?tokens=1` is passed through on purpose only.
    '/_local/emulator/state': async (req) =>
      deps.emulator
        ? json(200, await deps.emulator.state({ tokens: req.query.get('tokens') === '1' }))
        : noEmulator(),
    '/_local/emulator/requests': async (req) => {
      if (!deps.emulator) return noEmulator();
      const op = req.query.get('op');
      return json(200, await deps.emulator.requests(op ? { op } : {}));
    },
    '/_local/queues': async () =>
      json(
        200,
        deps.queues.map((q) => ({ ...q.stats(), dlqName: q.dlq.name, deadLetters: q.dlq.list() })),
      ),
    '/_local/schedules': async () =>
      json(200, {
        recurring: deps.recurring.list(),
        oneTime: deps.oneTime.list(),
        deadLetters: deps.schedulerDlq.list(),
      }),
    '/_local/invocations': async (req) =>
      json(
        200,
        deps.runtime
          .invocations({ events: req.query.get('events') === '1' })
          .map((r) => (r.event === undefined ? r : { ...r, event: withoutCredentials(r.event) })),
      ),
    '/_local/requests': async () => json(200, deps.gatewayRequests()),
  };

  /** The caller's JWT or SigV4 signature stays out of what the page shows. */
  const withoutCredentials = (event: unknown): unknown => {
    const headers = (event as { headers?: Record<string, string> }).headers;
    if (!headers) return event;
    const redacted = { ...headers };
    for (const name of ['authorization', 'x-amz-security-token'])
      if (name in redacted) redacted[name] = '[REDACTED]';
    return { ...(event as object), headers: redacted };
  };

  return async (req) => {
    if (req.path.startsWith('/_console')) return req.method === 'GET' ? consoleFile(req.path) : undefined;
    if (req.method === 'GET') return get[req.path]?.(req);
    if (req.method !== 'POST') return undefined;

    const fire = /^\/_local\/schedules\/([^/]+)\/fire$/.exec(req.path);
    if (fire?.[1]) {
      try {
        const outcome = await deps.recurring.fireNow(decodeURIComponent(fire[1]));
        return json(outcome.ok ? 200 : 502, outcome);
      } catch (e) {
        if (e instanceof UnknownScheduleError) return json(404, { message: e.message });
        throw e;
      }
    }
    const redrive = /^\/_local\/queues\/([^/]+)\/redrive$/.exec(req.path);
    if (redrive?.[1]) {
      const queue = deps.queues.find((q) => q.stats().name === decodeURIComponent(redrive[1] ?? ''));
      return queue ? json(200, { moved: queue.redrive() }) : json(404, { message: 'no such queue' });
    }
    return undefined;
  };
};
