/**
 * A loopback stand-in for Secrets Manager's `GetSecretValue` (AWS JSON 1.1 protocol), so the real
 * SDK client and Powertools SecretsProvider run unchanged against it. It counts reads and can rotate.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SecretsManagerStub {
  endpoint: string;
  /** GetSecretValue calls received. */
  reads: number;
  set(secretId: string, value: string): void;
  close(): Promise<void>;
}

export const startSecretsManagerStub = async (
  secrets: Record<string, string>,
): Promise<SecretsManagerStub> => {
  const values = new Map(Object.entries(secrets));
  const stub = { reads: 0 } as SecretsManagerStub;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));
      };
      if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
        return reply(400, { __type: 'UnknownOperationException', message: 'only GetSecretValue is served' });
      }
      stub.reads += 1;
      const { SecretId } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId: string };
      const value = values.get(SecretId);
      if (value === undefined) {
        return reply(400, {
          __type: 'ResourceNotFoundException',
          message: 'Secrets Manager can’t find the secret',
        });
      }
      reply(200, {
        ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${SecretId}`,
        Name: SecretId,
        SecretString: value,
        VersionId: `v${stub.reads}`,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Date.now() / 1000,
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  stub.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stub.set = (id, value) => values.set(id, value);
  stub.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return stub;
};
