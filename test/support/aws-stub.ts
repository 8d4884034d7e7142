/**
 * A loopback stand-in for the AWS JSON-protocol calls the functions and operator scripts make that
 * have no local server of their own: Secrets Manager `GetSecretValue` (and, for `npm run set-secrets`,
 * `DescribeSecret` and `PutSecretValue`, which only write a secret that exists, as AWS does) and SQS
 * `SendMessage`/`SendMessageBatch`.
 * The real SDK clients (and Powertools SecretsProvider) run unchanged against it: point a client's
 * `endpoint` (or `AWS_ENDPOINT_URL_SECRETS_MANAGER`) at `endpoint`, and use `queueUrl(name)` as the
 * queue URL (the SQS client sends to the queue URL's host). It counts secret reads, can rotate a
 * secret, and keeps what was sent to each queue.
 */
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SentMessage {
  messageId: string;
  body: string;
  groupId?: string;
  deduplicationId?: string;
}

export interface AwsStub {
  endpoint: string;
  /** GetSecretValue calls received. */
  reads: number;
  set(secretId: string, value: string): void;
  /** The secret's current value, as the last write left it. */
  get(secretId: string): string | undefined;
  queueUrl(name: string): string;
  /** Messages sent to the queue, oldest first. */
  sent(queueName: string): SentMessage[];
  close(): Promise<void>;
}

interface SqsEntry {
  Id?: string;
  MessageBody: string;
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

/** `accountId` is the account the stub's secret ARNs name. */
export const startAwsStub = async (
  secrets: Record<string, string> = {},
  { accountId = '000000000000' }: { accountId?: string } = {},
): Promise<AwsStub> => {
  const values = new Map(Object.entries(secrets));
  const queues = new Map<string, SentMessage[]>();
  let reads = 0;

  const reply = (res: ServerResponse, status: number, body: unknown, protocol: '1.0' | '1.1') => {
    res.writeHead(status, { 'content-type': `application/x-amz-json-${protocol}` }).end(JSON.stringify(body));
  };

  const notFound = (res: ServerResponse) =>
    reply(
      res,
      400,
      { __type: 'ResourceNotFoundException', message: 'Secrets Manager can’t find the specified secret.' },
      '1.1',
    );
  const arnOf = (secretId: string) =>
    secretId.startsWith('arn:')
      ? secretId
      : `arn:aws:secretsmanager:us-east-1:${accountId}:secret:${secretId}-Ab12Cd`;

  const enqueue = (queueUrl: string, entry: SqsEntry): SentMessage => {
    const name = new URL(queueUrl).pathname.split('/').pop() ?? '';
    const message: SentMessage = {
      messageId: randomUUID(),
      body: entry.MessageBody,
      ...(entry.MessageGroupId ? { groupId: entry.MessageGroupId } : {}),
      ...(entry.MessageDeduplicationId ? { deduplicationId: entry.MessageDeduplicationId } : {}),
    };
    queues.set(name, [...(queues.get(name) ?? []), message]);
    return message;
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      switch (target) {
        case 'secretsmanager.GetSecretValue': {
          reads += 1;
          const value = values.get(input.SecretId);
          if (value === undefined) return notFound(res);
          return reply(
            res,
            200,
            {
              ARN: arnOf(input.SecretId),
              Name: input.SecretId,
              SecretString: value,
              VersionId: `v${reads}`,
              VersionStages: ['AWSCURRENT'],
              CreatedDate: Date.now() / 1000,
            },
            '1.1',
          );
        }
        case 'secretsmanager.DescribeSecret':
        case 'secretsmanager.PutSecretValue': {
          if (!values.has(input.SecretId)) return notFound(res);
          const versionId = randomUUID();
          if (target === 'secretsmanager.PutSecretValue') values.set(input.SecretId, input.SecretString);
          return reply(
            res,
            200,
            { ARN: arnOf(input.SecretId), Name: input.SecretId, VersionId: versionId },
            '1.1',
          );
        }
        case 'AmazonSQS.SendMessage': {
          const m = enqueue(input.QueueUrl, input);
          return reply(res, 200, { MessageId: m.messageId, MD5OfMessageBody: md5(m.body) }, '1.0');
        }
        case 'AmazonSQS.SendMessageBatch': {
          const entries = input.Entries as SqsEntry[];
          const successful = entries.map((e) => {
            const m = enqueue(input.QueueUrl, e);
            return { Id: e.Id, MessageId: m.messageId, MD5OfMessageBody: md5(m.body) };
          });
          return reply(res, 200, { Successful: successful, Failed: [] }, '1.0');
        }
        default:
          return reply(
            res,
            400,
            { __type: 'UnknownOperationException', message: `${target} is not served` },
            '1.1',
          );
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    get reads() {
      return reads;
    },
    set: (id, value) => values.set(id, value),
    get: (id) => values.get(id),
    queueUrl: (name) => `${endpoint}/000000000000/${name}`,
    sent: (name) => [...(queues.get(name) ?? [])],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
