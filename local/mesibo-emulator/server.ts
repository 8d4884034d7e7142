/**
 * The mesibo emulator over node:http: the current JSON API at `POST /backend/` (also flat GET and form
 * requests there), the legacy API at `GET|POST /api.php`, and the observation/fault API at `/_emulator/...` (see control.ts), all over
 * one in-memory app.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import * as z from 'zod';
import type { FaultSpec } from './control';
import { failureEnvelope } from './failure';
import { DEFAULT_FAULT_STATUS, FaultBook, faultSpecSchema } from './faults';
import { resolveOp } from './fields';
import {
  type BodyRead,
  callerIp,
  formParams,
  MAX_BODY_BYTES,
  mediaType,
  readBody,
  sendJson,
  sendText,
} from './http-io';
import { Journal } from './journal';
import { MesiboApp, randomToken, type Transport } from './mesibo-app';
import { MAX_LOGGED_REQUESTS, RequestLog, redactParams } from './request-log';

export interface MesiboEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default: a random 48-character token. */
  appToken?: string;
  /** Enable the TOKENBREACH rule from the start (default off). */
  tokenBreach?: boolean;
  /** Max entries returned by usersget / groupgetmembers (default 20, as mesibo documents). */
  maxList?: number;
  /** Clock (epoch ms) for token times, messages and the request log. */
  now?: () => number;
  /** Randomness for fault `rate` (0..1). */
  random?: () => number;
  /**
   * A file where the app's state (users, tokens, groups, members, messages, OTPs, counters) is kept:
   * restored from it at start, appended to on every change, so it survives a kill. Default: memory only.
   */
  persistPath?: string;
}

export interface RunningEmulator {
  /** http://HOST:PORT */
  url: string;
  /** url + '/backend/' */
  backendUrl: string;
  /** url + '/api.php' */
  legacyUrl: string;
  appToken: string;
  close(): Promise<void>;
}

export const DEFAULT_MAX_LIST = 20;

const settingsSchema = z.object({
  tokenBreach: z.boolean().optional(),
  maxList: z.number().int().min(1).max(1_000_000).optional(),
});

const faultRequestSchema = z.union([z.object({ clear: z.literal(true) }), faultSpecSchema]);

/** A mesibo request whose body could not be read or understood. */
interface BadInput {
  status: number;
  cause: string;
  action: string;
  headers?: Record<string, string>;
  dropConnection?: boolean;
}

type ParsedInput = { transport: Transport; params: Record<string, unknown> } | { bad: BadInput };

const bodyProblem = (read: Exclude<BodyRead, { kind: 'ok' }>): BadInput | undefined =>
  read.kind === 'too-large'
    ? {
        status: 413,
        cause: `the request body is larger than ${MAX_BODY_BYTES} bytes`,
        action: 'send a smaller request',
        dropConnection: !read.drained,
      }
    : undefined;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * `/backend/`: a JSON object; for backward compatibility, flat parameters too, as a URL-encoded GET
 * (mesibo's legacy-form page) or a form-encoded body.
 */
const parseBackendInput = (req: IncomingMessage, url: URL, body: Buffer): ParsedInput => {
  if (req.method === 'GET') return { transport: 'legacy', params: formParams(url.search) };
  const type = mediaType(req);
  if (type === 'application/x-www-form-urlencoded') {
    return { transport: 'legacy', params: formParams(body.toString('utf8')) };
  }
  if (type !== 'application/json') {
    return {
      bad: {
        status: 415,
        cause: `unsupported content type ${type === '' ? '(none)' : type}`,
        action: 'send the request as Content-Type: application/json',
      },
    };
  }
  let data: unknown;
  try {
    data = JSON.parse(body.toString('utf8'));
  } catch {
    return {
      bad: { status: 400, cause: 'the request body is not valid JSON', action: 'send one JSON object' },
    };
  }
  if (!isRecord(data)) {
    return {
      bad: { status: 400, cause: 'the request body is not a JSON object', action: 'send one JSON object' },
    };
  }
  return { transport: 'json', params: data };
};

/** `/api.php`: parameters in the query string, a form body, or both (the body wins, as in PHP's $_REQUEST). */
const parseLegacyInput = (req: IncomingMessage, url: URL, body: Buffer): ParsedInput => {
  const query = formParams(url.search);
  if (body.length === 0) return { transport: 'legacy', params: query };
  const type = mediaType(req);
  if (type !== 'application/x-www-form-urlencoded') {
    return {
      bad: {
        status: 415,
        cause: `unsupported content type ${type === '' ? '(none)' : type}`,
        action: 'send parameters in the query string or as application/x-www-form-urlencoded',
      },
    };
  }
  return { transport: 'legacy', params: { ...query, ...formParams(body.toString('utf8')) } };
};

/** A control-API failure, answered as `{ error }` with its status. */
class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const statusFaultBody = (status: number) =>
  `<html><head><title>${status}</title></head><body><h1>${status}</h1><p>emulated fault</p></body></html>`;

export const startMesiboEmulator = async (options: MesiboEmulatorOptions = {}): Promise<RunningEmulator> => {
  const now = options.now ?? Date.now;
  const appToken = options.appToken ?? randomToken();
  const app = new MesiboApp({
    appToken,
    tokenBreach: options.tokenBreach ?? false,
    maxList: options.maxList ?? DEFAULT_MAX_LIST,
    now,
    ...(options.persistPath ? { journal: new Journal(options.persistPath) } : {}),
  });
  const faults = new FaultBook(options.random ?? Math.random);
  const log = new RequestLog();
  /** Aborted by close(): ends pending latency delays so nothing outlives the server. */
  const lifetime = new AbortController();

  const handleMesibo = async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    endpoint: 'backend' | 'legacy',
  ) => {
    const started = performance.now();
    const at = now();
    const ip = callerIp(req);
    const allowed = ['GET', 'POST'];
    let transport: Transport = endpoint === 'backend' && req.method !== 'GET' ? 'json' : 'legacy';
    let params: Record<string, unknown> =
      endpoint === 'legacy' || req.method === 'GET' ? formParams(url.search) : {};
    let recorded = false;

    const record = (
      status: number,
      result: boolean,
      extra: { error?: string; fault?: FaultSpec['kind'] } = {},
    ) => {
      if (recorded) return;
      recorded = true;
      const op = typeof params.op === 'string' ? params.op : '';
      log.record({
        at,
        transport,
        op,
        ip,
        params: redactParams(params, appToken),
        status,
        result,
        ...extra,
        durationMs: performance.now() - started,
      });
    };

    const answerBad = (bad: BadInput) => {
      const op = typeof params.op === 'string' ? params.op : '';
      const envelope = failureEnvelope(
        op,
        { error: 'BADREQUEST', code: bad.status, message: bad.cause, action: bad.action },
        [],
      );
      sendJson(res, bad.status, envelope, {
        ...bad.headers,
        ...(bad.dropConnection ? { connection: 'close' } : {}),
      });
      record(bad.status, false, { error: 'BADREQUEST' });
    };

    if (!allowed.includes(req.method ?? '')) {
      req.resume();
      answerBad({
        status: 405,
        cause: `method ${req.method} is not supported here`,
        action: `use ${allowed.join(' or ')}`,
        headers: { allow: allowed.join(', ') },
      });
      return;
    }

    const read = await readBody(req);
    if (read.kind === 'aborted') return record(0, false, { error: 'ABORTED' });
    if (read.kind === 'too-large') return answerBad(bodyProblem(read)!);
    const parsed =
      endpoint === 'backend' ? parseBackendInput(req, url, read.body) : parseLegacyInput(req, url, read.body);
    if ('bad' in parsed) return answerBad(parsed.bad);
    ({ transport, params } = parsed);

    const op = typeof params.op === 'string' ? params.op : '';
    const canonical = resolveOp(op);
    const fault = faults.pick(canonical && canonical !== op ? [op, canonical] : [op], () =>
      JSON.stringify(params),
    );

    const respond = (tag: { fault?: 'latency' } = {}) => {
      const { envelope } = app.call(transport, params, ip);
      sendJson(res, 200, envelope);
      record(200, envelope.result, { ...tag, ...(envelope.result ? {} : { error: String(envelope.error) }) });
    };

    switch (fault?.kind) {
      case undefined:
        return respond();
      case 'latency':
        try {
          await delay(fault.ms ?? 0, undefined, { signal: lifetime.signal });
        } catch {
          // The emulator is closing: the request is dropped unanswered and not applied.
          return record(0, false, { fault: 'latency' });
        }
        return respond({ fault: 'latency' });
      case 'status':
      case 'status-after-apply': {
        if (fault.kind === 'status-after-apply') app.call(transport, params, ip);
        const status = fault.status ?? DEFAULT_FAULT_STATUS;
        sendText(res, status, 'text/html; charset=utf-8', statusFaultBody(status), {
          ...(status === 429 || status === 503 ? { 'retry-after': '1' } : {}),
        });
        return record(status, false, { fault: fault.kind });
      }
      case 'hang':
        // Answer nothing; the entry is written when the client gives up or the server closes.
        res.on('close', () => record(0, false, { fault: 'hang' }));
        return;
      case 'malformed':
        sendText(res, 200, 'application/json; charset=utf-8', `{"op":${JSON.stringify(op)},"result":tr`);
        return record(200, false, { fault: 'malformed' });
      case 'reset':
        record(0, false, { fault: 'reset' });
        req.socket.destroy();
        return;
      case 'api-error': {
        const error = fault.error ?? 'BADVALUE';
        const envelope = failureEnvelope(
          op,
          { error, code: 400, message: 'emulated failure', action: 'none: injected by a fault rule' },
          [...(fault.properties ?? [])],
          params.id,
        );
        sendJson(res, 200, envelope);
        return record(200, false, { error, fault: 'api-error' });
      }
    }
  };

  const readControlBody = async (req: IncomingMessage): Promise<unknown> => {
    const read = await readBody(req);
    if (read.kind !== 'ok') throw new ControlError(413, 'the body could not be read');
    const text = read.body.toString('utf8').trim();
    if (text === '') return {};
    try {
      return JSON.parse(text);
    } catch {
      throw new ControlError(400, 'the body is not valid JSON');
    }
  };

  const handleControl = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const route = `${req.method} ${url.pathname.replace(/\/+$/, '')}`;
    switch (route) {
      case 'GET /_emulator/state':
        return sendJson(res, 200, app.state(url.searchParams.get('tokens') === '1'));
      case 'GET /_emulator/requests': {
        const since = url.searchParams.get('since');
        if (since === null) return sendJson(res, 200, log.list(url.searchParams.get('op') ?? undefined));
        const limit = url.searchParams.get('limit') ?? String(MAX_LOGGED_REQUESTS);
        if (!/^\d{1,15}$/.test(since) || !/^[1-9]\d{0,8}$/.test(limit))
          throw new ControlError(400, 'since must be a whole number and limit a positive one');
        return sendJson(res, 200, log.since(Number(since), Number(limit)));
      }
      case 'GET /_emulator/faults':
        return sendJson(res, 200, faults.list());
      case 'POST /_emulator/faults': {
        const parsed = faultRequestSchema.safeParse(await readControlBody(req));
        if (!parsed.success) throw new ControlError(400, z.prettifyError(parsed.error));
        if ('clear' in parsed.data) faults.clear();
        else faults.add(parsed.data);
        return sendJson(res, 200, { faults: faults.list() });
      }
      case 'GET /_emulator/settings':
        return sendJson(res, 200, { tokenBreach: app.breach.view().enabled, maxList: app.maxList });
      case 'POST /_emulator/settings': {
        const parsed = settingsSchema.safeParse(await readControlBody(req));
        if (!parsed.success) throw new ControlError(400, z.prettifyError(parsed.error));
        if (parsed.data.tokenBreach !== undefined) app.breach.setEnabled(parsed.data.tokenBreach);
        if (parsed.data.maxList !== undefined) app.maxList = parsed.data.maxList;
        return sendJson(res, 200, { tokenBreach: app.breach.view().enabled, maxList: app.maxList });
      }
      case 'POST /_emulator/reset':
        await readControlBody(req);
        app.reset();
        faults.clear();
        log.clear();
        res.writeHead(204).end();
        return;
      default:
        req.resume();
        throw new ControlError(404, `no control route ${route}`);
    }
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const path = url.pathname;
    let handling: Promise<void>;
    if (path === '/backend' || path === '/backend/') handling = handleMesibo(req, res, url, 'backend');
    else if (path === '/api.php') handling = handleMesibo(req, res, url, 'legacy');
    else if (path.startsWith('/_emulator/')) handling = handleControl(req, res, url);
    else {
      req.resume();
      handling = Promise.resolve(
        sendJson(
          res,
          404,
          failureEnvelope(
            '',
            {
              error: 'BADREQUEST',
              code: 404,
              message: `no endpoint ${path}`,
              action: 'use /backend/ or /api.php',
            },
            [],
          ),
        ),
      );
    }
    handling.catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      if (error instanceof ControlError) sendJson(res, error.status, { error: error.message });
      else sendJson(res, 500, { error: 'emulator internal error', detail: String(error) });
    });
  });
  // Keep-alive sockets and hung requests must not keep close() (or a test run) waiting.
  server.keepAliveTimeout = 5_000;

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve, reject) => {
      lifetime.abort();
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
    return closing;
  };

  return { url, backendUrl: `${url}/backend/`, legacyUrl: `${url}/api.php`, appToken, close };
};
