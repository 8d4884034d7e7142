/**
 * A first deploy before the operator has set the app token: every function that needs mesibo, wired
 * from its environment as deployed (index.ts), reads the stack's placeholder through the real Secrets
 * Manager client (loopback stub). Routes that call mesibo answer 503 mesibo-app-token-unset, workers
 * fail their invocation untouched (send-system-message calls no mesibo: it queues the work), mesibo is never called, and each container logs one line saying what to
 * run, without the placeholder's value.
 */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2, Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTables, type LocalDynamo, startDynalite, uniqueTableNames } from '../../../local/dynamo';
import { type AwsStub, startAwsStub } from '../../../local/harness/aws-stub';
import { type CapturedOutput, captureOutput } from '../../../local/harness/capture-output';
import { iamEvent, jwtEvent, lambdaContext } from '../../../local/harness/user-tokens/events';
import { emulatorControl } from '../../../local/mesibo-emulator/control';
import { type RunningEmulator, startMesiboEmulator } from '../../../local/mesibo-emulator/server';
import { APP_TOKEN_PLACEHOLDER } from '../../../shared/secrets/app-token';
import { appTokenSecretName, webhookSecretName } from '../../../shared/secrets/names';

const arnOf = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-Ab12Cd`;
const APP_TOKEN_ARN = arnOf(appTokenSecretName('prod'));
const WEBHOOK_ARN = arnOf(webhookSecretName('prod'));
// What Secrets Manager generates from the stack's template: the marker plus a random part.
const RANDOM_PART = randomBytes(24).toString('base64url');
const PLACEHOLDER = JSON.stringify({
  ...JSON.parse(APP_TOKEN_PLACEHOLDER.secretStringTemplate),
  [APP_TOKEN_PLACEHOLDER.generateStringKey]: RANDOM_PART,
});
const SET_WITH = [
  'npm run set-secrets -- -c stage=prod',
  `aws secretsmanager put-secret-value --region us-east-1 --secret-id ${appTokenSecretName('prod')}`,
];

let dynamo: LocalDynamo;
let emulator: RunningEmulator;
let aws: AwsStub;
let output: CapturedOutput;
const savedEnv = { ...process.env };
const tables = uniqueTableNames();

beforeAll(async () => {
  [dynamo, emulator] = await Promise.all([startDynalite(), startMesiboEmulator({ port: 0 })]);
  aws = await startAwsStub({
    [APP_TOKEN_ARN]: PLACEHOLDER,
    [WEBHOOK_ARN]: JSON.stringify({ current: randomBytes(24).toString('base64url') }),
  });
  await createTables(dynamo.client, tables);
  output = captureOutput();
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
    AWS_ENDPOINT_URL_SQS: aws.endpoint,
    MESIBO_API_URL: emulator.backendUrl,
    MESIBO_APP_TOKEN_SECRET_ID: APP_TOKEN_ARN,
    WEBHOOK_SECRET_ID: WEBHOOK_ARN,
    USERS_TABLE: tables.usersTable,
    GROUPS_TABLE: tables.groupsTable,
    IDEMPOTENCY_TABLE: tables.idempotencyTable,
    FANOUT_QUEUE_URL: aws.queueUrl('fanout'),
    FANOUT_DLQ_URL: aws.queueUrl('fanout-dlq'),
    SCHEDULE_GROUP_NAME: 'mesibo-serverless-prod',
    SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/scheduler',
    SCHEDULER_DLQ_ARN: 'arn:aws:sqs:us-east-1:123456789012:scheduler-dlq',
    TOKEN_APPIDS: 'com.example.app',
    POWERTOOLS_METRICS_NAMESPACE: 'AppTokenUnset/Test',
  });
  // The entries wire at import from this environment: never reuse one another file imported.
  vi.resetModules();
});

afterAll(async () => {
  output.restore();
  process.env = savedEnv;
  await Promise.all([dynamo.close(), emulator.close(), aws.close()]);
});

type Result = APIGatewayProxyStructuredResultV2;
const context = (functionName: string): Context => ({
  ...lambdaContext(),
  functionName,
  invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
});

/** The "set it with" lines each service logged. */
const unsetLines = (service: string) =>
  output
    .records()
    .filter((r) => r.service === service && r.code === 'mesibo-app-token-unset' && r.level === 'ERROR');

const expectUnset503 = (result: Result) => {
  expect(result.statusCode).toBe(503);
  expect(result.headers?.['content-type']).toBe('application/problem+json');
  expect(Number(result.headers?.['retry-after'])).toBeGreaterThan(0);
  expect(JSON.parse(String(result.body))).toMatchObject({ status: 503, code: 'mesibo-app-token-unset' });
};

const sqsRecord = (id: string, body: unknown, arn: string, fifo: boolean) => ({
  messageId: id,
  receiptHandle: `rh-${id}`,
  body: JSON.stringify(body),
  attributes: {
    ApproximateReceiveCount: '1',
    SentTimestamp: '0',
    SenderId: 'AIDA',
    ApproximateFirstReceiveTimestamp: '0',
    ...(fifo ? { MessageGroupId: 'g1', MessageDeduplicationId: id, SequenceNumber: '1' } : {}),
  },
  messageAttributes: {},
  md5OfBody: '0'.repeat(32),
  eventSource: 'aws:sqs',
  eventSourceARN: arn,
  awsRegion: 'us-east-1',
});

/** What the workers throw (matched by shape: the entries load their own copy of the module). */
const unsetError = { name: 'AppTokenUnsetError', code: 'mesibo-app-token-unset' };

describe('app token still the placeholder', () => {
  it('issue-user-token: every mesibo route answers 503 mesibo-app-token-unset, one log line per container', async () => {
    const { handler } = await import('../../../functions/issue-user-token/index');
    const ctx = context('issue-user-token');
    const results = [
      await handler(jwtEvent({ method: 'POST', claims: { sub: 'alice' } }), ctx),
      await handler(jwtEvent({ method: 'POST', claims: { sub: 'alice' } }), ctx),
      await handler(jwtEvent({ method: 'DELETE', claims: { sub: 'alice' } }), ctx),
      await handler(iamEvent({ method: 'POST', route: '/v1/users/{address}/token', address: 'bob' }), ctx),
      await handler(iamEvent({ method: 'DELETE', route: '/v1/users/{address}', address: 'bob' }), ctx),
    ] as Result[];
    for (const result of results) expectUnset503(result);

    const lines = unsetLines('issue-user-token');
    expect(lines).toHaveLength(1);
    for (const command of SET_WITH) expect(String(lines[0]!.message)).toContain(command);
  });

  it('send-system-message calls no mesibo: it accepts and queues while the token is unset', async () => {
    const { handler } = await import('../../../functions/send-system-message/index');
    const ctx = context('send-system-message');
    const http = iamEvent({ method: 'POST', route: '/v1/users/{address}', address: 'x' });
    const event = {
      ...http,
      routeKey: 'POST /v1/system-messages',
      rawPath: '/v1/system-messages',
      pathParameters: undefined,
      body: JSON.stringify({ audience: { addresses: ['alice'] }, message: { text: 'hello' } }),
      requestContext: { ...http.requestContext, routeKey: 'POST /v1/system-messages' },
    };
    expect(((await handler(event, ctx)) as Result).statusCode).toBe(202);
    const schedule = {
      source: 'mesibo-serverless.schedule',
      schedule: 'daily',
      scheduledTime: '2030-01-01T09:00:00Z',
      notification: { audience: { addresses: ['alice'] }, message: { text: 'good morning' } },
    };
    await handler(schedule, ctx);
    // The work waits on the fan-out queue; the worker holds it until the token is set (below).
    expect(aws.sent('fanout')).toHaveLength(2);
    expect(aws.sent('scheduler-dlq')).toEqual([]);
    expect(unsetLines('send-system-message')).toEqual([]);
  });

  it('send-system-message-worker: the batch invocation fails untouched, so SQS delivers it again', async () => {
    const { handler } = await import('../../../functions/send-system-message-worker/index');
    const batch = {
      notificationId: 'n-1',
      batch: 0,
      from: 'system',
      to: ['alice', 'bob'],
      message: { text: 'hello' },
      delivery: 'at-most-once',
    };
    const event = {
      Records: [sqsRecord('m1', batch, 'arn:aws:sqs:us-east-1:123456789012:fanout', false)],
    } as unknown as SQSEvent;
    const ctx = context('send-system-message-worker');
    await expect(handler(event, ctx)).rejects.toMatchObject(unsetError);
    await expect(handler(event, ctx)).rejects.toMatchObject(unsetError);
    // Nothing was claimed or dead-lettered: the batch is sent once the token is set.
    expect(aws.sent('fanout-dlq')).toEqual([]);
    expect(unsetLines('send-system-message-worker')).toHaveLength(1);
  });

  it('sync-group-worker: the batch invocation fails untouched, so the group keeps its order', async () => {
    const { handler } = await import('../../../functions/sync-group-worker/index');
    const message = {
      deliveryId: 'd-1',
      receivedAt: 0,
      event: { type: 'group.upsert', group: { key: 'team', version: 1, members: ['alice'] } },
    };
    const event = {
      Records: [sqsRecord('g1', message, 'arn:aws:sqs:us-east-1:123456789012:group-sync.fifo', true)],
    } as unknown as SQSEvent;
    await expect(handler(event, context('sync-group-worker'))).rejects.toMatchObject(unsetError);
    expect(unsetLines('sync-group-worker')).toHaveLength(1);
  });

  it('GET /v1/health?deep=1 reports the placeholder (503); plain /v1/health stays 200 without reading it', async () => {
    const { handler } = await import('../../../functions/health/index');
    const reads = aws.reads;
    expect(await handler({ queryStringParameters: undefined })).toMatchObject({ statusCode: 200 });
    expect(aws.reads).toBe(reads);
    const deep = (await handler({ queryStringParameters: { deep: '1' } })) as Result;
    expect(deep.statusCode).toBe(503);
    expect(JSON.parse(String(deep.body))).toEqual({
      status: 'not-ready',
      secrets: { mesiboAppToken: 'placeholder', webhook: 'set' },
    });
  });

  it('never called mesibo, and the placeholder value reached no log line', async () => {
    expect(await emulatorControl(emulator.url).requests()).toEqual([]);
    expect(output.text()).not.toContain(RANDOM_PART);
    expect(output.text()).not.toContain(PLACEHOLDER);
  });
});
