/**
 * A loopback stand-in for the AWS calls the functions and operator scripts make that have no local
 * server of their own: Secrets Manager `GetSecretValue` (and, for `npm run set-secrets`,
 * `DescribeSecret` and `PutSecretValue`, which only write a secret that exists, as AWS does); SQS
 * `SendMessage`/`SendMessageBatch`, and for a redrive `ReceiveMessage`, `DeleteMessageBatch` and
 * `ChangeMessageVisibilityBatch`; EventBridge Scheduler `GetScheduleGroup`, `ListTagsForResource` and
 * `CreateSchedule` (REST JSON).
 * The real SDK clients (and Powertools SecretsProvider) run unchanged against it: point a client's
 * `endpoint` (or `AWS_ENDPOINT_URL_SECRETS_MANAGER`) at `endpoint`, and use `queueUrl(name)` as the
 * queue URL (the SQS client sends to the queue URL's host). It counts secret reads, can rotate a
 * secret, keeps what was sent to each queue (and what is still in it), can refuse sends of chosen
 * bodies, and keeps the schedules created.
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
  /** Scheduler's `ERROR_CODE` message attribute, on a seeded dead letter. */
  errorCode?: string;
}

export interface CreatedSchedule {
  name: string;
  group: string;
  expression: string;
  target: { Arn: string; RoleArn: string; Input: string; DeadLetterConfig?: { Arn: string } };
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
  /** Messages still in the queue (sent or seeded, not deleted). */
  inQueue(queueName: string): SentMessage[];
  /** Puts messages in a queue as if something had sent them there. */
  seed(queueName: string, messages: Omit<SentMessage, 'messageId'>[]): void;
  /** SendMessageBatch entries whose body matches are refused (a transient server error). */
  refuseSends(match: (body: string) => boolean): void;
  /** A schedule group with these tags. */
  scheduleGroup(name: string, tags: Record<string, string>): void;
  schedules(): CreatedSchedule[];
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
  const present = new Map<string, (SentMessage & { handle?: string; visible: boolean })[]>();
  const groups = new Map<string, Record<string, string>>();
  const created: CreatedSchedule[] = [];
  let refuse: (body: string) => boolean = () => false;
  let reads = 0;
  const arnOfGroup = (name: string) => `arn:aws:scheduler:us-east-1:000000000000:schedule-group/${name}`;
  const nameOf = (queueUrl: string) => new URL(queueUrl).pathname.split('/').pop() ?? '';
  const inQueue = (name: string) => {
    const list = present.get(name) ?? [];
    present.set(name, list);
    return list;
  };

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
    const name = nameOf(queueUrl);
    const message: SentMessage = {
      messageId: randomUUID(),
      body: entry.MessageBody,
      ...(entry.MessageGroupId ? { groupId: entry.MessageGroupId } : {}),
      ...(entry.MessageDeduplicationId ? { deduplicationId: entry.MessageDeduplicationId } : {}),
    };
    queues.set(name, [...(queues.get(name) ?? []), message]);
    inQueue(name).push({ ...message, visible: true });
    return message;
  };

  /** The Scheduler calls (REST JSON: the operation is in the method and path). */
  const scheduler = (method: string, path: string, input: Record<string, unknown>, res: ServerResponse) => {
    const send = (status: number, body: unknown, errorType?: string) =>
      res
        .writeHead(status, {
          'content-type': 'application/json',
          ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
        })
        .end(JSON.stringify(body));
    const group = /^\/schedule-groups\/([^/]+)$/.exec(path);
    if (method === 'GET' && group?.[1]) {
      const name = decodeURIComponent(group[1]);
      if (!groups.has(name)) return send(404, { Message: 'no such group' }, 'ResourceNotFoundException');
      return send(200, { Arn: arnOfGroup(name), Name: name, State: 'ACTIVE' });
    }
    const tags = /^\/tags\/(.+)$/.exec(path);
    if (method === 'GET' && tags?.[1]) {
      const arn = decodeURIComponent(tags[1]);
      const entry = [...groups].find(([name]) => arnOfGroup(name) === arn);
      return send(200, { Tags: Object.entries(entry?.[1] ?? {}).map(([Key, Value]) => ({ Key, Value })) });
    }
    const schedule = /^\/schedules\/([^/]+)$/.exec(path);
    if (method === 'POST' && schedule?.[1]) {
      const name = decodeURIComponent(schedule[1]);
      const groupName = String(input.GroupName ?? 'default');
      if (created.some((c) => c.name === name && c.group === groupName)) {
        return send(409, { Message: 'exists' }, 'ConflictException');
      }
      created.push({
        name,
        group: groupName,
        expression: String(input.ScheduleExpression),
        target: input.Target as CreatedSchedule['target'],
      });
      return send(200, {
        ScheduleArn: `arn:aws:scheduler:us-east-1:000000000000:schedule/${groupName}/${name}`,
      });
    }
    return send(400, { Message: `${method} ${path} is not served` }, 'ValidationException');
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      if (!target)
        return scheduler(req.method ?? 'GET', new URL(req.url ?? '/', 'http://x').pathname, input, res);
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
          const refused = entries.filter((e) => refuse(e.MessageBody));
          const successful = entries
            .filter((e) => !refuse(e.MessageBody))
            .map((e) => {
              const m = enqueue(input.QueueUrl, e);
              return { Id: e.Id, MessageId: m.messageId, MD5OfMessageBody: md5(m.body) };
            });
          const failed = refused.map((e) => ({ Id: e.Id, Code: 'InternalError', SenderFault: false }));
          return reply(res, 200, { Successful: successful, Failed: failed }, '1.0');
        }
        case 'AmazonSQS.ReceiveMessage': {
          const visible = inQueue(nameOf(input.QueueUrl))
            .filter((m) => m.visible)
            .slice(0, input.MaxNumberOfMessages ?? 1);
          for (const m of visible) {
            m.visible = false;
            m.handle = randomUUID();
          }
          const messages = visible.map((m) => ({
            MessageId: m.messageId,
            ReceiptHandle: m.handle,
            MD5OfBody: md5(m.body),
            Body: m.body,
            Attributes: m.groupId ? { MessageGroupId: m.groupId } : {},
            ...(m.errorCode
              ? { MessageAttributes: { ERROR_CODE: { DataType: 'String', StringValue: m.errorCode } } }
              : {}),
          }));
          return reply(res, 200, messages.length ? { Messages: messages } : {}, '1.0');
        }
        case 'AmazonSQS.DeleteMessageBatch':
        case 'AmazonSQS.ChangeMessageVisibilityBatch': {
          const list = inQueue(nameOf(input.QueueUrl));
          const entries = input.Entries as { Id: string; ReceiptHandle: string }[];
          const found = entries.filter((e) => list.some((m) => m.handle === e.ReceiptHandle));
          for (const e of found) {
            const i = list.findIndex((m) => m.handle === e.ReceiptHandle);
            const m = list[i];
            if (!m) continue;
            if (target === 'AmazonSQS.DeleteMessageBatch') list.splice(i, 1);
            else m.visible = true;
          }
          const failed = entries
            .filter((e) => !found.includes(e))
            .map((e) => ({ Id: e.Id, Code: 'ReceiptHandleIsInvalid', SenderFault: true }));
          return reply(res, 200, { Successful: found.map((e) => ({ Id: e.Id })), Failed: failed }, '1.0');
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
    inQueue: (name) => inQueue(name).map(({ handle: _h, visible: _v, ...m }) => m),
    seed: (name, messages) => {
      for (const m of messages) inQueue(name).push({ ...m, messageId: randomUUID(), visible: true });
    },
    refuseSends: (match) => {
      refuse = match;
    },
    scheduleGroup: (name, tags) => groups.set(name, tags),
    schedules: () => [...created],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
