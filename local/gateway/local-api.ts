/**
 * The local tooling's own endpoints (never part of the product API): JSON views of the emulator, the
 * queues and their dead letters, the schedules, the synced groups, the invocations and the gateway
 * requests, which the console polls; actions (fire a schedule now, redrive a DLQ); the dev key set;
 * and the console page itself. The growing feeds (gateway requests, invocations, mesibo requests)
 * take a `since` cursor and answer only what is new; the other views carry an ETag and answer 304
 * while they are unchanged.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { JSONWebKeySet } from 'jose';
import { problem } from '../../shared/http/problem';
import type { NotificationStatus } from '../../shared/system-messages/ports';
import { showDeadLetters } from '../console/dead-letters';
import { isCursor, newEpoch, pageOf } from '../console/feeds';
import type { SyncedGroup } from '../console/groups';
import { type Redactor, redactDeep, withoutCredentialHeaders } from '../console/redact';
import type { LambdaRuntime } from '../lambda/runtime';
import type { EmulatorControl } from '../mesibo-emulator/control';
import type { DeadLetterQueue, LocalQueue } from '../queue/local-queue';
import { type LocalRedriveTarget, redriveLocal } from '../queue/redrive';
import type { LocalOneTimeScheduler } from '../scheduler/one-time';
import { type RecurringScheduler, UnknownScheduleError } from '../scheduler/recurring';
import type { GatewayRequestLog } from './request-log';
import { type HttpResponse, mapLambdaResult } from './result';
import type { LocalHandler, LocalRequest } from './server';

/** The most entries one poll of a feed returns (the newest ones). */
export const FEED_PAGE_MAX = 200;

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
  /** The stack's clock (a redriven schedule input is due now). */
  now: () => number;
  gatewayRequests: GatewayRequestLog;
  /** Absent until the groups table is up. */
  groups?: () => Promise<SyncedGroup[]>;
  /** The latest notifications and their status; absent until the tables are up. */
  notifications?: () => Promise<NotificationStatus[]>;
  redact: Redactor;
}

const json = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: Buffer.from(JSON.stringify(body)),
});

/** A view that answers 304 when the caller's `if-none-match` is its current ETag. */
const snapshot = (req: LocalRequest, body: unknown): HttpResponse => {
  const response = json(200, body);
  const etag = `"${createHash('sha256').update(response.body).digest('base64url').slice(0, 22)}"`;
  if (req.headers['if-none-match'] === etag) {
    return { status: 304, headers: { etag, 'cache-control': 'no-store' }, body: Buffer.alloc(0) };
  }
  return { ...response, headers: { ...response.headers, etag } };
};

/** The local API's errors are problem+json, like the product's. */
const localProblem = (status: number, code: string, title: string, detail: string): HttpResponse =>
  mapLambdaResult(problem({ status, code, title, detail }));

/** A `/_local` path, or a name in one, that names nothing. */
export const localNotFound = (detail: string): HttpResponse =>
  localProblem(404, 'not-found', 'No such local resource', detail);

const badQuery = (field: string, detail: string): HttpResponse =>
  mapLambdaResult(
    problem({
      status: 400,
      code: 'invalid-request',
      title: 'The request is not valid',
      detail: `${field}: ${detail}`,
      errors: [{ field, message: detail }],
    }),
  );

/** `since` and `limit` of a feed poll, or the problem naming the one at fault. */
const feedQuery = (req: LocalRequest): { since: string | null; limit: number } | HttpResponse => {
  const since = req.query.get('since');
  if (!isCursor(since)) return badQuery('since', 'must be a cursor a previous poll answered');
  const limit = req.query.get('limit');
  if (limit !== null && !(/^[1-9]\d{0,2}$/.test(limit) && Number(limit) <= FEED_PAGE_MAX))
    return badQuery('limit', `must be a whole number from 1 to ${FEED_PAGE_MAX}`);
  return { since, limit: Number(limit ?? FEED_PAGE_MAX) };
};

/** A percent-encoded path segment as text; one that does not decode (`%FF`) stays as sent and names nothing. */
const decodedSegment = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

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
    localProblem(
      409,
      'no-emulator',
      'There is no mesibo emulator',
      'the stack uses the real mesibo; there is no emulator to show',
    );
  // The emulator numbers its log itself; this run's epoch tells a stale console cursor apart.
  const emulatorEpoch = newEpoch();

  const get: Record<string, (req: LocalRequest) => Promise<HttpResponse>> = {
    '/_local/status': async (req) => snapshot(req, deps.status()),
    '/_local/jwks.json': async () => json(200, deps.jwks),
    // The emulator hides tokens unless asked; `?tokens=1` is passed through on purpose only.
    '/_local/emulator/state': async (req) =>
      deps.emulator
        ? snapshot(
            req,
            redactDeep(await deps.emulator.state({ tokens: req.query.get('tokens') === '1' }), deps.redact),
          )
        : noEmulator(),
    '/_local/emulator/requests': async (req) => {
      const { emulator } = deps;
      if (!emulator) return noEmulator();
      const query = feedQuery(req);
      if ('status' in query) return query;
      return json(
        200,
        // The emulator replaces only its app token; a webhook secret sent to mesibo is replaced here.
        await pageOf(emulatorEpoch, query.since, query.limit, async (after, limit) => {
          const { last, entries } = await emulator.requestsSince(after, limit);
          return { last, entries: redactDeep(entries, deps.redact) as typeof entries };
        }),
      );
    },
    '/_local/queues': async (req) =>
      snapshot(
        req,
        deps.queues.map((q) => ({ ...q.stats(), dlqName: q.dlq.name })),
      ),
    '/_local/dead-letters': async (req) =>
      snapshot(
        req,
        showDeadLetters(
          [...deps.queues.map((q) => ({ dlq: q.dlq, source: q.stats().name })), { dlq: deps.schedulerDlq }],
          deps.redact,
        ),
      ),
    '/_local/schedules': async (req) =>
      snapshot(req, {
        recurring: deps.recurring.list(),
        oneTime: deps.oneTime.list(),
        deadLetters: deps.schedulerDlq.list(),
      }),
    '/_local/groups': async (req) =>
      deps.groups
        ? snapshot(req, redactDeep(await deps.groups(), deps.redact))
        : localProblem(503, 'not-ready', 'Not ready yet', 'the groups table is not up yet'),
    '/_local/system-messages': async (req) =>
      deps.notifications
        ? snapshot(req, redactDeep(await deps.notifications(), deps.redact))
        : localProblem(503, 'not-ready', 'Not ready yet', 'the tables are not up yet'),
    '/_local/invocations': async (req) => {
      const query = feedQuery(req);
      if ('status' in query) return query;
      const page = await deps.runtime.invocations({ ...query, events: req.query.get('events') === '1' });
      return json(200, {
        ...page,
        entries: page.entries.map((r) =>
          r.event === undefined ? r : { ...r, event: withoutCredentialHeaders(r.event) },
        ),
      });
    },
    '/_local/requests': async (req) => {
      const query = feedQuery(req);
      if ('status' in query) return query;
      return json(200, await deps.gatewayRequests.page(query.since, query.limit));
    },
  };

  /** A queue or DLQ by name; the scheduler DLQ has no queue, its work goes to send-system-message. */
  const redriveTarget = (name: string): LocalRedriveTarget | undefined => {
    if (name === deps.schedulerDlq.name) {
      return { queue: 'scheduler', dlq: deps.schedulerDlq, scheduler: deps.oneTime, now: deps.now };
    }
    const source = deps.queues.find((q) => q.stats().name === name || q.dlq.name === name);
    if (!source) return undefined;
    // The one FIFO work queue is group sync's.
    return { queue: source.fifo ? 'group-sync' : 'fanout', source };
  };

  return async (req) => {
    // No icon: an empty answer, so a browser does not log a 404 for it.
    if (req.path === '/favicon.ico' && req.method === 'GET')
      return { status: 204, headers: { 'cache-control': 'max-age=86400' }, body: Buffer.alloc(0) };
    if (req.path.startsWith('/_console')) return req.method === 'GET' ? consoleFile(req.path) : undefined;
    if (req.method === 'GET') return get[req.path]?.(req);
    if (req.method !== 'POST') return undefined;

    const fire = /^\/_local\/schedules\/([^/]+)\/fire$/.exec(req.path);
    if (fire?.[1]) {
      try {
        const outcome = await deps.recurring.fireNow(decodedSegment(fire[1]));
        return json(outcome.ok ? 200 : 502, outcome);
      } catch (e) {
        if (e instanceof UnknownScheduleError) return localNotFound(e.message);
        throw e;
      }
    }
    const redrive = /^\/_local\/queues\/([^/]+)\/redrive$/.exec(req.path);
    if (redrive?.[1]) {
      const name = decodedSegment(redrive[1]);
      const target = redriveTarget(name);
      return target
        ? json(200, await redriveLocal(target))
        : localNotFound(`no queue or DLQ named "${name}"`);
    }
    return undefined;
  };
};
