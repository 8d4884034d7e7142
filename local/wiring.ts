/**
 * Builds every function of the catalogue in-process through its own wiring (functions/<name>/wiring.ts),
 * the one Lambda runs, on the local platform (local/platform.ts): the DynamoDB SDK client pointed at
 * dynalite, mesibo clients pointed at the emulator (or the real mesibo), secrets from the state
 * directory, local queues and scheduler. Each function gets its own mesibo client, as each Lambda would.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fromRoot } from '../infra/paths';
import { type ResourceLocations, resourceEnvironment } from '../shared/function-env';
import { type FunctionSpec, functionSpecs } from '../shared/functions';
import type { MesiboApiStyle } from '../shared/mesibo';
import type { Clock, SecretSource } from '../shared/ports';
import type { FunctionWiring } from '../shared/runtime/platform';
import { onlySettingsOf } from '../shared/settings';
import { NOTIFY_ENV } from '../shared/system-messages/config';
import { TOKEN_ENV } from '../shared/user-tokens/config';
import type { TableNames } from './dynamo';
import { asInvoker, type LambdaRuntime } from './lambda/runtime';
import { LOCAL_SECRET_IDS, localPlatform } from './platform';
import type { DeadLetterQueue, LocalQueue } from './queue/local-queue';
import type { LocalOneTimeScheduler } from './scheduler/one-time';

export interface WiringContext {
  region: string;
  accountId: string;
  tables: TableNames;
  dynamo: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  mesibo: { baseUrl: string; style: MesiboApiStyle };
  /** The mesibo app token, as Secrets Manager would hand it out. */
  appToken: SecretSource;
  /** SecretString JSON `{"current": "...", "previous": "..."}`. */
  webhookSecret: SecretSource;
  queues: { groupSyncQueue: LocalQueue; fanoutQueue: LocalQueue };
  oneTimeScheduler: LocalOneTimeScheduler;
  schedulerDlq: DeadLetterQueue;
  clock: Clock;
  /** The shell's environment: function settings (TOKEN_APPIDS, FANOUT_BATCH_SIZE, ...) set there apply. */
  env: Record<string, string | undefined>;
}

/** Local defaults for function settings the deployed stack takes from stage config. */
export const LOCAL_SETTINGS: Record<string, string> = {
  [TOKEN_ENV.TOKEN_APPIDS]: 'com.example.app',
  [TOKEN_ENV.TOKEN_ADDRESS_CLAIM]: 'sub',
  // Quicker fan-out retries than in AWS, so a failure plays out while you watch.
  [NOTIFY_ENV.FANOUT_RETRY_BASE_SECONDS]: '2',
};

const queueUrl = (ctx: WiringContext, queue: { arn: string }): string => {
  const name = queue.arn.split(':').pop() ?? '';
  return `https://sqs.${ctx.region}.amazonaws.com/${ctx.accountId}/${name}`;
};

/** Where the local resources are, named as AWS would name them. */
const localLocations = (ctx: WiringContext): ResourceLocations => ({
  mesibo: { apiUrl: ctx.mesibo.baseUrl, apiStyle: ctx.mesibo.style },
  appTokenSecretId: LOCAL_SECRET_IDS.appToken,
  webhookSecretId: LOCAL_SECRET_IDS.webhook,
  tables: ctx.tables,
  queues: {
    groupSyncQueueUrl: queueUrl(ctx, ctx.queues.groupSyncQueue),
    groupSyncMaxReceiveCount: ctx.queues.groupSyncQueue.maxReceiveCount,
    fanoutQueueUrl: queueUrl(ctx, ctx.queues.fanoutQueue),
    fanoutDlqUrl: queueUrl(ctx, ctx.queues.fanoutQueue.dlq),
  },
  scheduler: {
    groupName: 'local',
    roleArn: `arn:aws:iam::${ctx.accountId}:role/local-scheduler`,
    dlqArn: ctx.schedulerDlq.arn,
  },
});

/**
 * The environment a function would see in AWS: the settings it declares (local defaults, then the
 * shell's) and its resources' names, nothing else and never a secret.
 */
const functionEnv = (spec: FunctionSpec, ctx: WiringContext): Record<string, string | undefined> => ({
  ...onlySettingsOf(spec.settings, { ...LOCAL_SETTINGS, ...ctx.env }),
  ...resourceEnvironment(spec, localLocations(ctx)),
});

/** A function's wiring module, beside its Lambda entry: `functions/<name>/wiring.ts`. */
const wiringOf = async (spec: FunctionSpec): Promise<FunctionWiring> => {
  const module = (await import(fromRoot(spec.entry.replace(/index\.ts$/, 'wiring.ts')))) as {
    wire: FunctionWiring;
  };
  return module.wire;
};

/** Registers every function of the catalogue; resolves to a closer for the clients the functions own. */
export const wireFunctions = async (
  runtime: LambdaRuntime,
  ctx: WiringContext,
): Promise<() => Promise<void>> => {
  const closers: (() => Promise<void>)[] = [];
  const { groupSyncQueue, fanoutQueue } = ctx.queues;
  const platform = localPlatform(
    {
      dynamo: ctx.dynamo,
      doc: ctx.doc,
      appToken: ctx.appToken,
      webhookSecret: ctx.webhookSecret,
      queues: [groupSyncQueue, groupSyncQueue.dlq, fanoutQueue, fanoutQueue.dlq, ctx.schedulerDlq],
      consumed: [groupSyncQueue, fanoutQueue],
      oneTimeScheduler: ctx.oneTimeScheduler,
      clock: ctx.clock,
    },
    (close) => closers.push(close),
  );
  const close = async () => {
    await Promise.allSettled(closers.map((c) => c()));
  };
  try {
    for (const spec of functionSpecs) {
      const wire = await wiringOf(spec);
      runtime.register(spec.name, asInvoker(await wire(functionEnv(spec, ctx), platform)));
    }
  } catch (e) {
    await close();
    throw e;
  }
  return close;
};
