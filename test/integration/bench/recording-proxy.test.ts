/**
 * The cold-start bench's recording proxy over its loopback certificate: a caller that trusts only
 * that certificate reaches the upstream over https, and the call is recorded.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoopbackTls, loopbackTls } from '../../../bench/lib/loopback-tls';
import { type RecordingProxy, startRecordingProxy } from '../../../bench/lib/recording-proxy';

describe('recording proxy', () => {
  let dir: string;
  let tls: LoopbackTls;
  let upstream: Server;
  let proxy: RecordingProxy;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recording-proxy-'));
    tls = await loopbackTls(dir);
    upstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end(`echo ${req.method} ${req.url}`));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    proxy = await startRecordingProxy(
      'dynamodb',
      `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      tls,
    );
  });

  afterAll(async () => {
    await proxy.close();
    await new Promise((resolve) => upstream.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('speaks https with the run certificate and records the call', async () => {
    expect(proxy.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const answer = await new Promise<string>((resolve, reject) => {
      const req = request(
        `${proxy.endpoint}/table`,
        { method: 'POST', ca: tls.cert, headers: { 'x-amz-target': 'DynamoDB_20120810.GetItem' } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => {
            text += c.toString();
          });
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.end('{"TableName":"t"}');
    });
    expect(answer).toBe('echo POST /table');
    expect(proxy.calls).toEqual([
      expect.objectContaining({
        upstream: 'dynamodb',
        method: 'POST',
        path: '/table',
        target: 'DynamoDB_20120810.GetItem',
        body: '{"TableName":"t"}',
      }),
    ]);
  });
});
