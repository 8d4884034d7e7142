/**
 * X-Ray tracing as deployed with `observability.tracing` on: the Lambda entry, wired from the
 * environment the stack sets, records one subsegment per downstream call (DynamoDB, Secrets Manager,
 * mesibo) on the invocation's segment, against real loopback servers and the real X-Ray SDK. The
 * segment document, what the X-Ray daemon would receive, holds no token.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import AWSXRay from 'aws-xray-sdk-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTables, type LocalDynamo, startDynalite, uniqueTableNames } from '../../../local/dynamo';
import { type AwsStub, startAwsStub } from '../../../local/harness/aws-stub';
import { type CapturedOutput, captureOutput } from '../../../local/harness/capture-output';
import { jwtEvent, lambdaContext } from '../../../local/harness/user-tokens/events';
import { type RunningEmulator, startMesiboEmulator } from '../../../local/mesibo-emulator/server';
import { TRACING_ENV } from '../../../shared/observability/tracing';

interface SubsegmentDoc {
  name: string;
  namespace?: string;
  aws?: { operation?: string };
  annotations?: Record<string, unknown>;
  fault?: boolean;
  end_time?: number;
  subsegments?: SubsegmentDoc[];
}

let dynamo: LocalDynamo;
let emulator: RunningEmulator;
let secrets: AwsStub;
let output: CapturedOutput;
const savedEnv = { ...process.env };
const tables = uniqueTableNames();

beforeAll(async () => {
  [dynamo, emulator] = await Promise.all([startDynalite(), startMesiboEmulator({ port: 0 })]);
  secrets = await startAwsStub({ 'prod/mesibo-app-token': emulator.appToken });
  await createTables(dynamo.client, tables);
  output = captureOutput();
  Object.assign(process.env, {
    ...TRACING_ENV,
    // The tracer turns itself off outside Lambda.
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    MESIBO_API_URL: emulator.backendUrl,
    MESIBO_APP_TOKEN_SECRET_ID: 'prod/mesibo-app-token',
    USERS_TABLE: tables.usersTable,
    TOKEN_APPIDS: 'com.example.app',
  });
  // The entry wires at import from this environment: never reuse one another file imported.
  vi.resetModules();
});

afterAll(async () => {
  output.restore();
  process.env = savedEnv;
  await Promise.all([dynamo.close(), emulator.close(), secrets.close()]);
});

/** Runs `invoke` with `segment` as the current segment, as Lambda's facade segment would be. */
const inSegment = <T>(segment: AWSXRay.Segment, invoke: () => Promise<T>): Promise<T> =>
  AWSXRay.getNamespace().runPromise(() => {
    AWSXRay.setSegment(segment);
    return invoke();
  });

const flatten = (docs: SubsegmentDoc[] = []): SubsegmentDoc[] =>
  docs.flatMap((d) => [d, ...flatten(d.subsegments)]);

describe('tracing on (POWERTOOLS_TRACE_ENABLED=true)', () => {
  it('records each DynamoDB, Secrets Manager and mesibo call of a cache miss as a closed subsegment, and no token', async () => {
    const { handler } = (await import(
      '../../../functions/issue-user-token/index'
    )) as typeof import('../../../functions/issue-user-token/index');
    const segment = new AWSXRay.Segment('issue-user-token');
    const event = jwtEvent({ method: 'POST', claims: { sub: 'traced-alice' } });
    const result = (await inSegment(segment, () =>
      handler(event, lambdaContext()),
    )) as APIGatewayProxyStructuredResultV2;
    expect(result.statusCode).toBe(200);
    const userToken = (JSON.parse(result.body ?? '{}') as { token: string }).token;
    expect(userToken).toBeTruthy();

    const document = segment.format();
    const calls = flatten((JSON.parse(document) as { subsegments?: SubsegmentDoc[] }).subsegments);
    const named = (name: string) => calls.filter((c) => c.name === name);
    expect(named('DynamoDB').map((c) => c.aws?.operation)).toEqual(
      expect.arrayContaining(['GetItem', 'UpdateItem']),
    );
    expect(named('SecretsManager').map((c) => c.aws?.operation)).toEqual(['GetSecretValue']);
    expect(named('mesibo')).toEqual([
      expect.objectContaining({ namespace: 'remote', annotations: { mesibo_op: 'useradd' } }),
    ]);
    for (const call of calls) expect(call.end_time, call.name).toBeGreaterThan(0);
    expect(calls.some((c) => c.fault)).toBe(false);
    expect(document).not.toContain(emulator.appToken);
    expect(document).not.toContain(userToken);
  });
});
