/**
 * Assembles the whole product on one machine: the mesibo emulator (or the real mesibo), DynamoDB on
 * dynalite with the product's tables, local secrets, queues and schedulers, every function wired
 * in-process, and the gateway that serves the shared route table. `close()` undoes all of it.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { functionSpecs } from '../shared/functions';
import { minReceiveCount } from '../shared/group-sync/retry-rule';
import { type CorsPolicy, LOCAL_CORS_POLICY } from '../shared/http/cors';
import type { MesiboApiStyle } from '../shared/mesibo';
import { type Clock, systemClock } from '../shared/ports';
import { routes } from '../shared/routes';
import type { NotificationStatus } from '../shared/system-messages/ports';
import { recurringScheduleInput } from '../shared/system-messages/schedule-input';
import { dynamoStatusStore } from '../shared/system-messages/status-store';
import { LOCAL_ACCOUNT_ID, loadOrCreateCredentials } from './auth/dev-credentials';
import { jwks, loadOrCreateDevKeys, localKeySet } from './auth/dev-keys';
import { type SyncedGroup, syncedGroups } from './console/groups';
import { secretRedactor } from './console/redact';
import { recentNotifications } from './console/system-messages';
import { createTables, LOCAL_AWS, type LocalDynamo, startDynalite, type TableNames } from './dynamo';
import { iamAuthorizer } from './gateway/iam-authorizer';
import { jwtAuthorizer } from './gateway/jwt-authorizer';
import { createLocalApi } from './gateway/local-api';
import { GatewayRequestLog } from './gateway/request-log';
import { createGateway } from './gateway/server';
import { LambdaRuntime } from './lambda/runtime';
import { type EmulatorControl, emulatorControl } from './mesibo-emulator/control';
import { type RunningEmulator, startMesiboEmulator } from './mesibo-emulator/server';
import { DeadLetterQueue, LocalQueue } from './queue/local-queue';
import { LocalOneTimeScheduler } from './scheduler/one-time';
import { loadScheduleFile, RecurringScheduler } from './scheduler/recurring';
import type { ScheduleDeadLetter } from './scheduler/target';
import { loadOrCreateSecrets, staticSecret, webhookSecretString } from './secrets';
import { wireFunctions } from './wiring';

/** The emulator's journal inside a `--persist` directory (beside dynalite's own files). */
export const emulatorJournalPath = (persistDir: string) => join(persistDir, 'mesibo-emulator.jsonl');

export const DEFAULT_SCHEDULES_FILE = fileURLToPath(new URL('./schedules.json', import.meta.url));

export interface RealMesibo {
  apiUrl: string;
  appToken: string;
  style: MesiboApiStyle;
}

export interface LocalStackOptions {
  host?: string;
  port: number;
  emulatorPort: number;
  stateDir: string;
  /**
   * Keeps DynamoDB data in this directory instead of in memory, and journals the local queues (with
   * their DLQs) and pending one-time schedules under `queues/` in it, and the emulator's state, so a
   * crash loses no work.
   */
  persistDir?: string;
  schedulesFile?: string;
  /** Talk to this mesibo instead of starting the emulator. */
  realMesibo?: RealMesibo;
  apiStyle?: MesiboApiStyle;
  /** Local queue timings (seconds); the deployed queues use their own. */
  queueVisibilitySeconds?: number;
  clock?: Clock;
  /** Browser origins the gateway allows (default: `http://localhost:*` and `http://127.0.0.1:*`). */
  cors?: CorsPolicy;
}

export interface LocalStack {
  url: string;
  consoleUrl: string;
  /** The emulator's root URL, when the emulator runs. */
  emulatorUrl?: string;
  mesiboUrl: string;
  dynamoEndpoint: string;
  tables: TableNames;
  wired: string[];
  /** Function invocations running now (a shutdown waits for them). */
  inFlight(): number;
  close(): Promise<void>;
}

/** A port already taken; names the variable that moves it. */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly variable: 'PORT' | 'MESIBO_EMULATOR_PORT',
  ) {
    super(`port ${port} is already in use; set ${variable} to use another port`);
  }
}

const isAddrInUse = (e: unknown): boolean => (e as NodeJS.ErrnoException)?.code === 'EADDRINUSE';

const listen = (server: Server, port: number, host: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      server.off('listening', onListening);
      reject(isAddrInUse(e) ? new PortInUseError(port, 'PORT') : e);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });

const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });

export const startLocalStack = async (options: LocalStackOptions): Promise<LocalStack> => {
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? systemClock;
  const region = LOCAL_AWS.region;
  const accountId = LOCAL_ACCOUNT_ID;
  // Shutdown order: stop taking requests, let queued and scheduled work in flight finish, then close
  // the clients and the backends that work was using.
  type Stage = 'gateway' | 'work' | 'clients' | 'backends';
  const order: Stage[] = ['gateway', 'work', 'clients', 'backends'];
  const cleanups: { stage: Stage; run: () => Promise<void> }[] = [];
  const onClose = (stage: Stage, ...runs: (() => Promise<void>)[]) => {
    for (const run of runs) cleanups.push({ stage, run });
  };
  const closeAll = async () => {
    for (const stage of order) {
      const runs = cleanups.filter((c) => c.stage === stage).map((c) => c.run());
      for (const r of await Promise.allSettled(runs)) {
        if (r.status === 'rejected') console.error(`[local] shutdown: ${(r.reason as Error).message}`);
      }
    }
    cleanups.length = 0;
  };

  try {
    const [keys, credentials, secrets, schedules] = await Promise.all([
      loadOrCreateDevKeys(options.stateDir),
      loadOrCreateCredentials(options.stateDir),
      loadOrCreateSecrets(options.stateDir),
      loadScheduleFile(options.schedulesFile ?? DEFAULT_SCHEDULES_FILE),
    ]);

    // Runtime, queues and schedulers live in this process (queues and schedules journaled with
    // --persist); functions are wired once their backends are up.
    // What the console keeps (invocation logs, request previews, dead letters) never holds a secret.
    const redact = secretRedactor([
      secrets.mesiboAppToken,
      options.realMesibo?.appToken,
      secrets.webhook.current,
      secrets.webhook.previous,
    ]);
    const runtime = new LambdaRuntime({ region, redact });
    const visibilityTimeoutMs = (options.queueVisibilitySeconds ?? 5) * 1000;
    const queueBase = { region, accountId, visibilityTimeoutMs, now: () => clock.now() };
    const journal = (name: string) =>
      options.persistDir ? { journalPath: join(options.persistDir, 'queues', `${name}.jsonl`) } : {};
    const groupSyncQueue = new LocalQueue({
      ...queueBase,
      ...journal('group-sync.fifo'),
      name: 'group-sync.fifo',
      // The same rule as the stack: redeliveries outlast a groupadd creation lease.
      maxReceiveCount: minReceiveCount(visibilityTimeoutMs),
      consumer: (event) => runtime.invoke('sync-group-worker', event, 'sqs'),
    });
    const fanoutQueue = new LocalQueue({
      ...queueBase,
      ...journal('fanout'),
      name: 'fanout',
      // Above the worker's own attempt budget (FANOUT_MAX_ATTEMPTS, 5), as in the stack.
      maxReceiveCount: 6,
      consumer: (event) => runtime.invoke('send-system-message-worker', event, 'sqs'),
    });
    onClose(
      'work',
      () => groupSyncQueue.close(),
      () => fanoutQueue.close(),
    );

    // Scheduler's DLQ: occurrences that failed every attempt, and inputs the function rejects for good.
    const schedulerDlq = new DeadLetterQueue(
      'scheduler-dlq',
      { region, accountId, ...journal('scheduler-dlq') },
      () => clock.now(),
    );
    onClose('backends', async () => schedulerDlq.close());
    const target = {
      invoke: (event: unknown) => runtime.invoke('send-system-message', event, 'schedule'),
      onDeadLetter: (letter: ScheduleDeadLetter) =>
        schedulerDlq.push({
          messageId: randomUUID(),
          body: JSON.stringify(letter.input),
          receiveCount: 0,
          sentAt: letter.at,
          deadAt: letter.at,
          lastError: `${letter.schedule}: ${letter.error}`,
        }),
      now: () => clock.now(),
    };
    const arnPrefix = `arn:aws:scheduler:${region}:${accountId}:schedule/`;
    const oneTimeScheduler = new LocalOneTimeScheduler(
      target,
      `${arnPrefix}one-time/`,
      journal('one-time-schedules'),
    );
    onClose('work', () => oneTimeScheduler.close());
    const recurring = new RecurringScheduler(schedules, target, {
      arnPrefix: `${arnPrefix}default/`,
      toInput: (name, payload) => JSON.parse(recurringScheduleInput(name, payload)) as unknown,
      now: () => clock.now(),
    });
    onClose('work', () => recurring.close());

    // The gateway binds first, so a taken PORT fails before anything else starts.
    let ready = false;
    const requests = new GatewayRequestLog(redact);
    let groups: (() => Promise<SyncedGroup[]>) | undefined;
    let notifications: (() => Promise<NotificationStatus[]>) | undefined;
    let emulator: RunningEmulator | undefined;
    let control: EmulatorControl | undefined;
    const status = {
      startedAt: clock.now(),
      mesibo: options.realMesibo ? 'real' : 'emulator',
      functions: [] as { name: string; wired: boolean }[],
    };
    const localApi = createLocalApi({
      status: () => ({ ...status, ready }),
      jwks: jwks(keys),
      get emulator() {
        return control;
      },
      runtime,
      queues: [groupSyncQueue, fanoutQueue],
      recurring,
      oneTime: oneTimeScheduler,
      schedulerDlq,
      now: () => clock.now(),
      gatewayRequests: requests,
      get groups() {
        return groups;
      },
      get notifications() {
        return notifications;
      },
      redact,
    });
    const server = createGateway({
      routes,
      runtime,
      accountId,
      verifyJwt: jwtAuthorizer(localKeySet(keys)),
      verifyIam: iamAuthorizer(credentials, { region, now: () => clock.now() }),
      ready: () => ready,
      local: localApi,
      cors: options.cors ?? LOCAL_CORS_POLICY,
      onRequest: (r) => requests.record(r),
    });
    await listen(server, options.port, host);
    onClose('gateway', () => closeServer(server));
    const url = `http://${host}:${options.port}`;

    let mesiboUrl: string;
    let appToken: string;
    const style = options.realMesibo?.style ?? options.apiStyle ?? 'json';
    if (options.realMesibo) {
      mesiboUrl = options.realMesibo.apiUrl;
      appToken = options.realMesibo.appToken;
    } else {
      try {
        emulator = await startMesiboEmulator({
          port: options.emulatorPort,
          host,
          appToken: secrets.mesiboAppToken,
          ...(options.persistDir ? { persistPath: emulatorJournalPath(options.persistDir) } : {}),
        });
      } catch (e) {
        throw isAddrInUse(e) ? new PortInUseError(options.emulatorPort, 'MESIBO_EMULATOR_PORT') : e;
      }
      const running = emulator;
      onClose('backends', () => running.close());
      control = emulatorControl(emulator.url);
      mesiboUrl = style === 'json' ? emulator.backendUrl : emulator.legacyUrl;
      appToken = emulator.appToken;
    }

    const dynamo: LocalDynamo = await startDynalite({ path: options.persistDir });
    onClose('backends', () => dynamo.close());
    const tables: TableNames = {
      usersTable: 'users',
      groupsTable: 'groups',
      idempotencyTable: 'idempotency',
    };
    await createTables(dynamo.client, tables);
    groups = () => syncedGroups(dynamo.doc, tables.groupsTable);
    // Reads only: the retention it would write with does not matter here.
    const statusStore = dynamoStatusStore({
      doc: dynamo.doc,
      tableName: tables.idempotencyTable,
      clock,
      retentionSeconds: 86_400,
    });
    notifications = () => recentNotifications(dynamo.doc, tables.idempotencyTable, statusStore);

    const closeClients = await wireFunctions(runtime, {
      region,
      accountId,
      tables,
      dynamo: dynamo.client,
      doc: dynamo.doc,
      mesibo: { baseUrl: mesiboUrl, style },
      appToken: staticSecret(appToken),
      webhookSecret: staticSecret(webhookSecretString(secrets)),
      queues: { groupSyncQueue, fanoutQueue },
      oneTimeScheduler,
      schedulerDlq,
      clock,
      env: process.env,
    });
    onClose('clients', closeClients);
    status.functions = functionSpecs.map((f) => ({ name: f.name, wired: runtime.has(f.name) }));
    // Work restored from the journals (--persist) goes out now that its functions are wired.
    groupSyncQueue.start();
    fanoutQueue.start();
    oneTimeScheduler.start();
    ready = true;

    return {
      url,
      consoleUrl: `${url}/_console`,
      ...(emulator ? { emulatorUrl: emulator.url } : {}),
      mesiboUrl,
      dynamoEndpoint: dynamo.endpoint,
      tables,
      wired: runtime.wired(),
      inFlight: () => runtime.inFlight,
      close: closeAll,
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
};
