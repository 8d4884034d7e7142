/**
 * A loopback proxy that forwards every request to one upstream and records what went through
 * (method, path, the AWS JSON target, body, and when it started and ended). The cold-start bench puts
 * one in front of each part a function calls, so the SDK-only floor can replay exactly the calls the
 * function made; both go through the same proxies, so the extra hop costs them alike. It speaks
 * https to its callers, as AWS and mesibo do to a deployed function, and plain http to its upstream.
 */
import { request } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  upstream: string;
  method: string;
  path: string;
  /** `X-Amz-Target` of an AWS JSON-protocol call (e.g. `DynamoDB_20120810.GetItem`), else undefined. */
  target?: string;
  contentType?: string;
  body: string;
  /** Epoch ms. */
  startedAt: number;
  endedAt: number;
}

export interface RecordingProxy {
  endpoint: string;
  calls: RecordedCall[];
  close(): Promise<void>;
}

export const startRecordingProxy = async (
  name: string,
  upstream: string,
  tls: { key: Buffer; cert: Buffer },
): Promise<RecordingProxy> => {
  const target = new URL(upstream);
  const calls: RecordedCall[] = [];
  const server = createServer(tls, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const startedAt = Date.now();
      const headers = { ...req.headers, host: target.host };
      const out = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          up.on('end', () => {
            calls.push({
              upstream: name,
              method: req.method ?? 'GET',
              path: req.url ?? '/',
              ...(typeof req.headers['x-amz-target'] === 'string'
                ? { target: req.headers['x-amz-target'] }
                : {}),
              ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
              body: body.toString('utf8'),
              startedAt,
              endedAt: Date.now(),
            });
          });
        },
      );
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
