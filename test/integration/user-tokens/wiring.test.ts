/**
 * The Lambda entry point as deployed: `index.ts` wires the handler from the environment while the
 * module loads (Lambda's init), with the SDK clients finding their (loopback) endpoints the way they
 * find AWS ones.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTables, type LocalDynamo, startDynalite, uniqueTableNames } from '../../../local/dynamo';
import { type AwsStub, startAwsStub } from '../../../local/harness/aws-stub';
import { type CapturedOutput, captureOutput } from '../../../local/harness/capture-output';
import { jwtEvent, lambdaContext } from '../../../local/harness/user-tokens/events';
import { type RunningEmulator, startMesiboEmulator } from '../../../local/mesibo-emulator/server';

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
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    MESIBO_API_URL: emulator.backendUrl,
    MESIBO_APP_TOKEN_SECRET_ID: 'prod/mesibo-app-token',
    TOKEN_APPIDS: 'com.example.app',
    POWERTOOLS_METRICS_NAMESPACE: 'Wiring/Test',
  });
});

afterAll(async () => {
  output.restore();
  process.env = savedEnv;
  await Promise.all([dynamo.close(), emulator.close(), secrets.close()]);
});

describe('handler (wired from env)', () => {
  it('fails the cold start with a message naming the missing variable, then wires once it is set', async () => {
    const entry = '../../../functions/issue-user-token/index';
    // The entry wires at import from this environment: never reuse one another file imported.
    vi.resetModules();
    await expect(import(entry)).rejects.toThrow('USERS_TABLE is required');

    process.env.USERS_TABLE = tables.usersTable;
    vi.resetModules();
    const { handler } = (await import(entry)) as typeof import('../../../functions/issue-user-token/index');
    // Wiring reads no secret and calls nothing: the first request does.
    expect(secrets.reads).toBe(0);
    const event = () => jwtEvent({ method: 'POST', claims: { sub: 'alice' } });
    const first = (await handler(event(), lambdaContext())) as APIGatewayProxyStructuredResultV2;
    expect(first.statusCode).toBe(200);
    expect(secrets.reads).toBe(1);

    const second = (await handler(event(), lambdaContext())) as APIGatewayProxyStructuredResultV2;
    expect(second.body).toBe(first.body);
    expect(secrets.reads).toBe(1);

    // The mesibo client is wired with its metrics observer, flushed with the invocation's counters.
    const emf = output.records().filter((r) => '_aws' in r);
    expect(emf.filter((r) => 'MesiboCall' in r)).toEqual([
      expect.objectContaining({ service: 'issue-user-token', MesiboCall: 1, TokenCacheMiss: 1 }),
    ]);
    expect(JSON.stringify(emf)).toContain('"Namespace":"Wiring/Test"');
  });
});
