import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createHandler } from '../../../functions/send-system-message/handler';
import { CountingMetrics } from '../../../local/harness/counting-metrics';
import { silentLogger } from '../../../local/harness/loggers';
import type { SendSystemMessageDeps } from '../../../shared/system-messages/deps';
import { OnceInProgressError } from '../../../shared/system-messages/ports';
import {
  CapturingDeadLetters,
  CapturingQueue,
  CapturingScheduler,
  ManualClock,
  MemoryGate,
  RecordingStatus,
} from './fakes';

const context = { invokedFunctionArn: 'arn:aws:lambda:us-east-1:1:function:send' } as Context;
const httpEvent = (body: unknown) =>
  ({
    rawPath: '/v1/system-messages',
    requestContext: { http: { method: 'POST', path: '/v1/system-messages' } },
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEventV2;

const deps = (over: Partial<SendSystemMessageDeps> = {}): SendSystemMessageDeps => {
  const scheduler = new CapturingScheduler();
  return {
    clock: new ManualClock(),
    newId: () => 'gen-1',
    gate: new MemoryGate(),
    schedulerFor: (arn) => scheduler.for(arn),
    queue: new CapturingQueue(),
    findGid: async () => undefined,
    status: new RecordingStatus(),
    metrics: new CountingMetrics(),
    systemSender: 'system',
    senders: ['system'],
    allowHttpUrls: false,
    batchSize: 50,
    usersPageSize: 500,
    retentionSeconds: 30 * 86_400,
    deadLetters: new CapturingDeadLetters(),
    logger: silentLogger(),
    ...over,
  };
};

const valid = { audience: { addresses: ['a'] }, message: { text: 'hi' } };
const call = async (d: SendSystemMessageDeps, body: unknown) =>
  (await createHandler(d)(httpEvent(body), context)) as APIGatewayProxyStructuredResultV2;

describe('send-system-message handler', () => {
  it('answers 202 with the notification id for an HTTP event', async () => {
    const answer = await call(deps(), valid);
    expect(answer.statusCode).toBe(202);
    expect(JSON.parse(answer.body ?? '')).toEqual({
      notificationId: 'gen-1',
      recipients: { addresses: 1 },
      batches: 1,
    });
  });

  it('answers 409 with Retry-After while the same id is being accepted', async () => {
    const d = deps({
      gate: {
        once: async () => {
          throw new OnceInProgressError('busy');
        },
      },
    });
    const answer = await call(d, { ...valid, notificationId: 'n-1' });
    expect(answer.statusCode).toBe(409);
    expect(answer.headers?.['retry-after']).toBe('2');
  });

  it('answers 500 without details for anything unexpected', async () => {
    const d = deps({
      queue: {
        publish: async () => {
          throw new Error('arn:aws:sqs:secret-ish detail');
        },
      },
    });
    const answer = await call(d, valid);
    expect(answer.statusCode).toBe(500);
    expect(answer.body).not.toContain('arn:aws');
  });

  it('answers a GET with the status, 404 problem+json for an unknown id, 400 for a malformed one', async () => {
    const get = async (d: SendSystemMessageDeps, id: string) =>
      (await createHandler(d)(
        {
          rawPath: `/v1/system-messages/${id}`,
          requestContext: { http: { method: 'GET', path: `/v1/system-messages/${id}` } },
          pathParameters: { notificationId: id },
        } as unknown as APIGatewayProxyEventV2,
        context,
      )) as APIGatewayProxyStructuredResultV2;
    const missing = await get(deps(), 'n-1');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(missing.body ?? '')).toMatchObject({
      code: 'notification-not-found',
      errors: [{ field: 'notificationId' }],
    });
    expect((await get(deps(), '../x')).statusCode).toBe(400);
    const status = new RecordingStatus();
    const known = {
      notificationId: 'daily@20300101T090000Z',
      state: 'done' as const,
      audience: 'allUsers' as const,
      recipients: { total: 1, sent: 1, pending: 0, unknown: 0, failed: 0 },
      batches: { total: 1, done: 1 },
      failures: [],
      createdAt: '2030-01-01T09:00:00.000Z',
      updatedAt: '2030-01-01T09:00:01.000Z',
    };
    status.read = async () => known;
    const found = await get(deps({ status }), known.notificationId);
    expect(found.statusCode).toBe(200);
    expect(JSON.parse(found.body ?? '')).toEqual(known);
  });

  it('routes a Scheduler invocation to the occurrence use case', async () => {
    const queue = new CapturingQueue();
    const outcome = await createHandler(deps({ queue }))(
      {
        source: 'mesibo-serverless.schedule',
        schedule: 'once.n-2',
        notification: { ...valid, notificationId: 'n-2' },
      },
      context,
    );
    expect(outcome).toMatchObject({ status: 'sent', notificationId: 'n-2' });
    expect(queue.published).toHaveLength(1);
  });
});
