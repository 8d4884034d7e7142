/**
 * The issue-user-token handler wired by its own wiring (functions/issue-user-token/wiring.ts), on a
 * platform of loopback parts: dynalite through the real DynamoDB client, the mesibo emulator over HTTP
 * through the real mesibo client, and the app token through Powertools SecretsProvider and the real
 * Secrets Manager client (stub server). Shared by the integration tests and the token benchmark.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { TokenHandler } from '../../../functions/issue-user-token/handler';
import { wire } from '../../../functions/issue-user-token/wiring';
import type { MesiboClientOptions, MesiboHttpClient } from '../../../shared/mesibo';
import { createLogger } from '../../../shared/observability/logger';
import { type Clock, systemClock } from '../../../shared/ports';
import { secretsManagerSource } from '../../../shared/secrets/secrets-manager';
import { documentClientFor } from '../../../shared/storage/dynamo-client';
import { SERVICE_NAME } from '../../../shared/user-tokens/deps';
import type { TokenMetricName, TokenMetrics } from '../../../shared/user-tokens/metrics';
import { createTables, LOCAL_AWS, type LocalDynamo, startDynalite, uniqueTableNames } from '../../dynamo';
import { type EmulatorControl, emulatorControl } from '../../mesibo-emulator/control';
import { type RunningEmulator, startMesiboEmulator } from '../../mesibo-emulator/server';
import { type AwsStub, startAwsStub } from '../aws-stub';
import { type CapturedOutput, captureOutput } from '../capture-output';
import { CountingMetrics } from '../counting-metrics';
import { harnessMesibo } from '../mesibo';

export const SECRET_ID = 'mesibo/app-token';
export const APPIDS = ['com.example.app', 'com.example.web'] as const;

export interface HarnessOptions {
  /** Extra or overriding settings, as the function would read them from its environment. */
  env?: Record<string, string>;
  /** mesibo client tuning (timeouts, attempts) for fault tests, and its metrics observer. */
  mesibo?: Partial<
    Pick<MesiboClientOptions, 'timeoutMs' | 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs' | 'onCall'>
  >;
  /** The value Secrets Manager holds at start (default: the emulator's app token). */
  secretValue?: string;
  metrics?: TokenMetrics;
  clock?: Clock;
  /** Handler log level (default DEBUG, so tests see every line; benchmarks use INFO as deployed). */
  logLevel?: 'DEBUG' | 'INFO';
  /** A DynamoDB to use (left running at close) instead of an in-process dynalite of its own. */
  dynamo?: LocalDynamo;
}

export interface TokenHarness {
  handler: TokenHandler;
  /**
   * Another container of the same function: its own handler, mesibo client and in-process state,
   * sharing the table, mesibo and the secret with every other one (as concurrent Lambda containers do).
   */
  container(): Promise<TokenHandler>;
  emulator: RunningEmulator;
  control: EmulatorControl;
  dynamo: LocalDynamo;
  secrets: AwsStub;
  usersTable: string;
  /** DynamoDB operations sent by the handler, by command name (GetItemCommand, PutItemCommand, ...). */
  dynamoCalls: Map<string, number>;
  /** Everything written to stdout/stderr since start (logs, EMF), kept out of the test report. */
  output: CapturedOutput;
  /** Every item of the users table. */
  items(): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export const startTokenHarness = async (options: HarnessOptions = {}): Promise<TokenHarness> => {
  const tables = uniqueTableNames();
  const [dynamo, emulator] = await Promise.all([
    options.dynamo ?? startDynalite(),
    startMesiboEmulator({ port: 0 }),
  ]);
  const env = {
    USERS_TABLE: tables.usersTable,
    MESIBO_APP_TOKEN_SECRET_ID: SECRET_ID,
    MESIBO_API_URL: emulator.backendUrl,
    MESIBO_API_STYLE: 'json',
    TOKEN_APPIDS: APPIDS.join(','),
    TOKEN_LEASE_MS: '3000',
    ...options.env,
  };
  const secrets = await startAwsStub({ [SECRET_ID]: options.secretValue ?? emulator.appToken });
  await createTables(dynamo.client, tables);

  // The handler gets its own client, so only its commands are counted.
  const handlerDynamo = new DynamoDBClient({ endpoint: dynamo.endpoint, ...LOCAL_AWS });
  const doc = documentClientFor(handlerDynamo);
  const dynamoCalls = new Map<string, number>();
  doc.middlewareStack.add(
    (next, context) => (args) => {
      const name = String(context.commandName);
      dynamoCalls.set(name, (dynamoCalls.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countTokenCommands' },
  );

  const output = captureOutput();
  const logger = createLogger(SERVICE_NAME);
  logger.setLogLevel(options.logLevel ?? 'DEBUG');
  const secretsClient = new SecretsManagerClient({ endpoint: secrets.endpoint, ...LOCAL_AWS });
  const provider = new SecretsProvider({ awsSdkV3Client: secretsClient });
  const mesiboClients: MesiboHttpClient[] = [];
  const metrics = options.metrics ?? new CountingMetrics<TokenMetricName>();
  const container = () =>
    wire(
      env,
      {
        clock: options.clock ?? systemClock,
        dynamo: async () => ({ client: handlerDynamo, doc }),
        secret: async (secretId, secretOptions) =>
          secretsManagerSource(secretId, { ...secretOptions, provider }),
        mesibo: harnessMesibo(
          { timeoutMs: 2000, maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50, ...options.mesibo },
          mesiboClients,
        ),
      },
      { logger, metrics },
    );

  return {
    handler: await container(),
    container,
    emulator,
    control: emulatorControl(emulator.url),
    dynamo,
    secrets,
    usersTable: tables.usersTable,
    dynamoCalls,
    output,
    items: async () => {
      const { Items } = await dynamo.doc.send(new ScanCommand({ TableName: tables.usersTable }));
      return Items ?? [];
    },
    close: async () => {
      await Promise.all(mesiboClients.map((client) => client.close()));
      secretsClient.destroy();
      handlerDynamo.destroy();
      await Promise.all([emulator.close(), options.dynamo ? undefined : dynamo.close(), secrets.close()]);
      output.restore();
    },
  };
};
