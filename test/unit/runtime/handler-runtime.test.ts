import { BatchProcessor, EventType } from '@aws-lambda-powertools/batch';
import type { APIGatewayProxyEventV2, Context, SQSEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHandler as health } from '../../../functions/health/handler';
import { createHandler as sendSystemMessage } from '../../../functions/send-system-message/handler';
import { createHandler as sendWorker } from '../../../functions/send-system-message-worker/handler';
import { createHandler as syncGroup } from '../../../functions/sync-group/handler';
import { createHandler as syncGroupWorker } from '../../../functions/sync-group-worker/handler';
import { type CapturedOutput, captureOutput } from '../../../local/harness/capture-output';
import { CountingMetrics } from '../../../local/harness/counting-metrics';
import { InvalidInput } from '../../../shared/errors';
import { noGroupSyncMetrics } from '../../../shared/group-sync/metrics';
import { groupSyncMessageSchema } from '../../../shared/group-sync/schema';
import { createLogger } from '../../../shared/observability/logger';
import {
  asyncFunction,
  httpFunction,
  lazyHttpFunction,
  sqsFunction,
} from '../../../shared/runtime/handler-runtime';
import type {
  SendSystemMessageDeps,
  SendSystemMessageWorkerDeps,
} from '../../../shared/system-messages/deps';
import {
  CapturingDeadLetters,
  CapturingQueue,
  CapturingScheduler,
  ManualClock,
  MemoryGate,
  RecordingStatus,
} from '../system-messages/fakes';

const TRACE_ROOT = '1-65f1c0de-0123456789abcdef01234567';
const context = {
  functionName: 'fn',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn',
  memoryLimitInMB: '256',
  awsRequestId: 'lambda-request-1',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

const httpEvent = (over: object = {}) =>
  ({
    routeKey: 'POST /v1/x',
    rawPath: '/v1/x',
    requestContext: { requestId: 'apigw-1', http: { method: 'POST', path: '/v1/x' } },
    headers: { 'content-type': 'application/json' },
    body: '{}',
    isBase64Encoded: false,
    ...over,
  }) as unknown as APIGatewayProxyEventV2;

const sqsEvent = (body = '{}'): SQSEvent =>
  ({
    Records: [
      {
        messageId: 'm-1',
        receiptHandle: 'rh-1',
        body,
        attributes: { ApproximateReceiveCount: '1', MessageGroupId: 'g' },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:q',
        awsRegion: 'us-east-1',
      },
    ],
  }) as unknown as SQSEvent;

let output: CapturedOutput;
beforeEach(() => {
  process.env._X_AMZN_TRACE_ID = `Root=${TRACE_ROOT};Parent=53995c3f42cd8ad8;Sampled=1`;
  output = captureOutput();
});
afterEach(() => {
  output.restore();
  delete process.env._X_AMZN_TRACE_ID;
});

/** Every line this invocation logged carries the Lambda context, the trace and the correlation id. */
const expectInvocationKeys = (correlationId: string) => {
  const lines = output.records().filter((r) => typeof r.message === 'string');
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(line).toMatchObject({
      function_request_id: 'lambda-request-1',
      function_name: 'fn',
      xray_trace_id: TRACE_ROOT,
      correlation_id: correlationId,
    });
  }
};

const notifyDeps = (logger = createLogger('send-system-message')): SendSystemMessageDeps => {
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
    logger,
  };
};

describe('handler runtime: invocation keys in every function kind', () => {
  it('HTTP (send-system-message POST): the API Gateway request id is the correlation id', async () => {
    const answer = await sendSystemMessage(notifyDeps())(httpEvent({ body: 'not json' }), context);
    expect(answer).toMatchObject({ statusCode: 400 });
    expectInvocationKeys('apigw-1');
  });

  it('Scheduler (send-system-message occurrence): the Lambda request id is the correlation id', async () => {
    const outcome = await sendSystemMessage(notifyDeps())({ source: 'nonsense' }, context);
    expect(outcome).toMatchObject({ status: 'dead-lettered' });
    expectInvocationKeys('lambda-request-1');
  });

  it('SQS (send-system-message-worker): a record dead-lettered is logged with the invocation keys', async () => {
    const deps = {
      logger: createLogger('send-system-message-worker'),
      metrics: new CountingMetrics(),
      deadLetters: new CapturingDeadLetters(),
      clock: new ManualClock(),
    } as unknown as SendSystemMessageWorkerDeps;
    const answer = await sendWorker(deps)(sqsEvent('not json'), context);
    expect(answer.batchItemFailures).toEqual([]);
    expectInvocationKeys('lambda-request-1');
  });

  it('SQS FIFO (sync-group-worker)', async () => {
    const handler = syncGroupWorker({
      messageSchema: groupSyncMessageSchema(10),
      apply: async () => {
        throw new Error('boom');
      },
      logger: createLogger('sync-group-worker'),
      metrics: noGroupSyncMetrics,
    });
    const body = JSON.stringify({
      deliveryId: 'd-1',
      receivedAt: 0,
      event: { type: 'group.delete', group: { key: 'g', version: 1 } },
    });
    expect((await handler(sqsEvent(body), context)).batchItemFailures).toHaveLength(1);
    expectInvocationKeys('lambda-request-1');
  });

  it('HTTP (sync-group webhook, health with its lazily loaded logger)', async () => {
    const webhook = syncGroup({
      receive: async () => {
        throw new Error('boom');
      },
      logger: createLogger('sync-group'),
      metrics: noGroupSyncMetrics,
    });
    expect(await webhook(httpEvent(), context)).toMatchObject({ statusCode: 500 });
    const check = health({
      logger: async () => createLogger('health'),
      readiness: async () => ({}) as never,
    });
    const bad = await check(
      { queryStringParameters: { deep: 'maybe' }, requestContext: { requestId: 'apigw-1' } },
      context,
    );
    expect(bad).toMatchObject({ statusCode: 400 });
    expect(output.records().filter((r) => r.service === 'health')).toHaveLength(1);
    expectInvocationKeys('apigw-1');
  });
});

describe('handler runtime: per invocation', () => {
  it('resets the invocation keys and flushes metrics once, whatever the outcome', async () => {
    const logger = createLogger('t');
    let flushes = 0;
    const parts = { logger, metrics: { flush: () => (flushes += 1) } };
    const http = httpFunction(
      parts,
      async () => {
        throw new Error('boom');
      },
      { errors: { what: 'x' } },
    );
    expect(await http(httpEvent(), context)).toMatchObject({ statusCode: 500 });
    const sqs = sqsFunction(parts, {
      processor: () => new BatchProcessor(EventType.SQS),
      record: async () => {},
    });
    expect(await sqs(sqsEvent(), context)).toEqual({ batchItemFailures: [] });
    const scheduled = asyncFunction(parts, 'occurrence', async () => {
      throw new Error('transient');
    });
    await expect(scheduled({}, context)).rejects.toThrow('transient');
    expect(flushes).toBe(3);
    expect(logger.getCorrelationId()).toBeUndefined();
    logger.info('after');
    expect(output.records().at(-1)).not.toHaveProperty('route');
    expect(output.records().filter((r) => r.message === 'occurrence failed')).toHaveLength(1);
  });

  it("answers every HTTP route's problems with the request path as instance, refusals and failures alike", async () => {
    const refuse = async (): Promise<never> => {
      throw new InvalidInput([{ field: 'a', message: 'bad' }]);
    };
    const fail = async (): Promise<never> => {
      throw new Error('boom');
    };
    const routes = [
      httpFunction({ logger: createLogger('t') }, refuse, { errors: { what: 'x' } }),
      httpFunction({ logger: createLogger('t') }, fail, { errors: { what: 'x' } }),
      lazyHttpFunction(async () => createLogger('t'), refuse, { errors: () => ({ what: 'x' }) }),
    ];
    for (const route of routes) {
      const answer = (await route(httpEvent({ rawPath: '/v1/x/7' }), context)) as { body: string };
      expect(JSON.parse(answer.body)).toHaveProperty('instance', '/v1/x/7');
    }
  });

  it('an SQS precondition that throws fails the whole invocation (the batch comes back untouched)', async () => {
    const sqs = sqsFunction(
      { logger: createLogger('t') },
      {
        before: async () => {
          throw new Error('app token unset');
        },
        processor: () => new BatchProcessor(EventType.SQS),
        record: async () => {},
      },
    );
    await expect(sqs(sqsEvent(), context)).rejects.toThrow('app token unset');
  });
});
