/** Small node:http helpers: bounded body reading, JSON answers, the caller's IP. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** mesibo requests larger than this are refused with 413. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Past this, an oversized body is not even drained: the connection is dropped after the answer. */
const MAX_DRAIN_BYTES = 16 * MAX_BODY_BYTES;

export type BodyRead =
  | { kind: 'ok'; body: Buffer }
  | { kind: 'too-large'; drained: boolean }
  | { kind: 'aborted' };

/**
 * Reads the body up to `limit` bytes. An oversized body is drained (not kept) so the client, still
 * sending, receives the 413 instead of a broken pipe.
 */
export const readBody = (req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<BodyRead> =>
  new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (read: BodyRead) => {
      if (settled) return;
      settled = true;
      resolve(read);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > MAX_DRAIN_BYTES) {
        req.pause();
        settle({ kind: 'too-large', drained: false });
      }
    });
    req.on('end', () =>
      settle(
        size > limit ? { kind: 'too-large', drained: true } : { kind: 'ok', body: Buffer.concat(chunks) },
      ),
    );
    req.on('error', () => settle({ kind: 'aborted' }));
    req.on('close', () => settle({ kind: 'aborted' }));
  });

export const sendJson = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
};

export const sendText = (
  res: ServerResponse,
  status: number,
  contentType: string,
  text: string,
  headers: Record<string, string> = {},
): void => {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
};

/** The media type without parameters (`application/json; charset=utf-8` → `application/json`). */
export const mediaType = (req: IncomingMessage): string =>
  (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();

/**
 * The caller as mesibo would count it: the first `X-Forwarded-For` entry when a proxy sent one (so
 * tests can play several callers), else the socket's peer address.
 */
export const callerIp = (req: IncomingMessage): string => {
  const forwarded = req.headers['x-forwarded-for'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  if (first) return first;
  const peer = req.socket.remoteAddress ?? '';
  return peer.startsWith('::ffff:') ? peer.slice(7) : peer;
};

/** Form/query text to a flat record; a repeated name keeps its last value (as PHP does). */
export const formParams = (text: string): Record<string, string> =>
  Object.fromEntries(new URLSearchParams(text));
