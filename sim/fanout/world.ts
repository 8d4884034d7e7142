/**
 * One fan-out fault simulation: the real send-system-message route and worker handlers, the local
 * fan-out queue (with its DLQ and the console's redrive rules), the mesibo emulator over HTTP with
 * seeded faults, and dynalite through the real AWS SDK, all in this process on loopback.
 *
 * A worker invocation is killed at seeded points (before or after a mesibo call, after a ledger
 * settle, after a status count, after an enqueue): from then on every call it makes through its ports
 * throws, as a dead process makes no more calls, and its SQS messages come back after the visibility
 * timeout. At the end faults and kills stop, the DLQ is redriven, and once everything is quiet every
 * notification is checked against its policy and its status.
 *
 * Every choice comes from the seed; how concurrent work interleaves does not, so a replay runs the
 * same scenario, faults and kill points, not necessarily the same interleaving.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { createHandler as createSendHandler } from '../../functions/send-system-message/handler';
import { createHandler as createWorkerHandler } from '../../functions/send-system-message-worker/handler';
import { createTables, type LocalDynamo, startDynalite, uniqueTableNames } from '../../local/dynamo';
import { buildHttpEvent } from '../../local/gateway/event';
import { lambdaContext } from '../../local/harness/system-messages/harness';
import { type EmulatorControl, emulatorControl, type FaultSpec } from '../../local/mesibo-emulator/control';
import { type RunningEmulator, startMesiboEmulator } from '../../local/mesibo-emulator/server';
import { LocalQueue } from '../../local/queue/local-queue';
import { redriveLocal } from '../../local/queue/redrive';
import { dynamoGroupState } from '../../shared/group-sync/dynamo-state';
import { createMesiboClient, type MesiboHttpClient } from '../../shared/mesibo';
import { isMesiboError } from '../../shared/mesibo/errors';
import type { MesiboClient, MessageInput } from '../../shared/mesibo/types';
import { systemClock } from '../../shared/ports';
import { sendConfigFromEnv, workerConfigFromEnv } from '../../shared/system-messages/config';
import { buildNotifyDeps, buildWorkerDeps } from '../../shared/system-messages/deps';
import { groupGidLookup } from '../../shared/system-messages/group-lookup';
import type { NotificationStatus, NotifyMetrics } from '../../shared/system-messages/ports';
import { queueDeadLetters } from '../../shared/system-messages/sqs-adapters';
import { bump, type ChaosOptions } from '../lib/counts';
import { faultsApplied } from '../lib/faults';
import { untilQuiet } from '../lib/quiet';
import { type Random, seededRandom } from '../lib/random';
import { buildScenario, type PlannedNotification, type Scenario, type Submission } from './scenario';

export interface SimOptions extends ChaosOptions {
  notifications: number;
  users: number;
}

export interface SimFigures {
  seed: number;
  notifications: number;
  users: number;
  submissions: number;
  duplicateSubmissions: number;
  conflictsRefused: number;
  recipients: number;
  deliveries: number;
  duplicates: { atLeastOnce: number; atMostOnce: number };
  notReached: { atLeastOnce: number; atMostOnce: number };
  faultsInjected: Record<string, number>;
  kills: Record<string, number>;
  deadLettered: number;
  redriven: number;
  mesiboCalls: Record<string, number>;
  mismatches: number;
  wallMs: number;
}

export interface SimResult {
  figures: SimFigures;
  mismatches: string[];
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
/** Short timings so leases, timeouts and redeliveries play out within the run. */
const VISIBILITY_MS = 1500;
const MESIBO_TIMEOUT_MS = 250;

/** Every fault kind the emulator offers, as the worker would meet them on `message`. */
const FAULTS: FaultSpec[] = [
  { kind: 'status', status: 500 },
  { kind: 'status', status: 429 },
  { kind: 'reset' },
  { kind: 'hang' },
  { kind: 'malformed' },
  { kind: 'status-after-apply', status: 500 },
  { kind: 'api-error', error: 'BADVALUE' },
];

export type KillPoint = 'before-send' | 'after-send' | 'after-settle' | 'after-count' | 'after-enqueue';

class SimulatedKill extends Error {
  constructor(readonly point: KillPoint) {
    super(`simulated kill at ${point}`);
  }
}

/** One worker invocation's life: once killed, every port call it makes throws. */
interface Life {
  dead: boolean;
}

const noMetrics: NotifyMetrics = { count: () => {} };
const silent = (serviceName: string) => new Logger({ serviceName, logLevel: 'SILENT' });

/** Wraps every function-valued property so that a dead invocation's calls throw, and kill points fire. */
const guarded = <T extends object>(
  target: T,
  life: AsyncLocalStorage<Life>,
  after: Partial<Record<keyof T, KillPoint>>,
  kill: (point: KillPoint) => void,
): T =>
  new Proxy(target, {
    get(t, prop, receiver) {
      const value = Reflect.get(t, prop, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (life.getStore()?.dead) throw new SimulatedKill('before-send');
        const result = await value.apply(t, args);
        const point = after[prop as keyof T];
        if (point) kill(point);
        return result;
      };
    },
  });

interface World {
  emulator: RunningEmulator;
  control: EmulatorControl;
  dynamo: LocalDynamo;
  clients: MesiboHttpClient[];
  queue: LocalQueue;
  send: ReturnType<typeof createSendHandler>;
  gid: number;
  kills: Record<string, number>;
  mesiboCalls: Record<string, number>;
  /** `<text>|<recipient>` of message calls whose outcome the worker could not know (may have applied). */
  ambiguous: Set<string>;
  chaos: { on: boolean };
}

const seedUsers = async (dynamo: LocalDynamo, table: string, users: string[]) => {
  const items = users.flatMap((address, i) => [
    {
      pk: address,
      sk: 'appid#com.example.app',
      uid: 1001 + i,
      appid: 'com.example.app',
      token: `token-${i}`,
      issuedAt: Date.now(),
      expiryMinutes: 525_600,
    },
    { pk: address, sk: 'lease#com.example.app', owner: 'seed', expiresAt: 0 },
  ]);
  for (let i = 0; i < items.length; i += 25) {
    let pending: unknown[] = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (pending.length) {
      const out = await dynamo.doc.send(
        new BatchWriteCommand({ RequestItems: { [table]: pending as { PutRequest: { Item: object } }[] } }),
      );
      pending = out.UnprocessedItems?.[table] ?? [];
    }
  }
};

const startWorld = async (o: SimOptions, r: Random, scenario: Scenario): Promise<World> => {
  const faultRandom = r.fork();
  const killRandom = r.fork();
  const jitterRandom = r.fork();
  const emulator = await startMesiboEmulator({
    port: 0,
    random: () => faultRandom.int(0, 999_999) / 1_000_000,
  });
  const control = emulatorControl(emulator.url);
  const dynamo = await startDynalite();
  const tables = uniqueTableNames();
  await createTables(dynamo.client, tables);
  const env = {
    USERS_TABLE: tables.usersTable,
    GROUPS_TABLE: tables.groupsTable,
    IDEMPOTENCY_TABLE: tables.idempotencyTable,
    FANOUT_QUEUE_URL: `http://127.0.0.1/${ACCOUNT}/fanout`,
    FANOUT_DLQ_URL: `http://127.0.0.1/${ACCOUNT}/fanout-dlq`,
    MESIBO_APP_TOKEN_SECRET_ID: 'mesibo/app-token',
    SCHEDULE_GROUP_NAME: 'system-messages',
    SCHEDULER_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/scheduler`,
    SCHEDULER_DLQ_ARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:scheduler-dlq`,
    FANOUT_BATCH_SIZE: '7',
    USERS_SCAN_PAGE_SIZE: '9',
    FANOUT_RETRY_BASE_SECONDS: '0',
    FANOUT_SEND_LEASE_SECONDS: '1',
  };

  const mesiboCalls: Record<string, number> = {};
  const current = new AsyncLocalStorage<MessageInput>();
  const ambiguous = new Set<string>();
  /** `<text>|<recipient>`: ambiguity is about one notification's delivery to one recipient. */
  const recipientsOf = (input: MessageInput | undefined) =>
    input
      ? (input.to === undefined ? [`gid:${input.gid}`] : [input.to].flat()).map(
          (a) => `${input.message}|${a}`,
        )
      : [];
  const mesiboClient = () =>
    createMesiboClient({
      baseUrl: emulator.backendUrl,
      style: 'json',
      appToken: async () => emulator.appToken,
      maxAttempts: 3,
      timeoutMs: MESIBO_TIMEOUT_MS,
      sleep: async () => {},
      random: () => jitterRandom.int(0, 999) / 1000,
      onCall: (outcome) => {
        bump(mesiboCalls, outcome.op, outcome.attempts);
        // A resend inside the client after an answer that may have applied can duplicate, as the
        // policy allows for at-least-once.
        if (outcome.op === 'message' && outcome.attempts > 1)
          for (const a of recipientsOf(current.getStore())) ambiguous.add(a);
      },
    });
  const routeMesibo = mesiboClient();
  const workerMesibo = mesiboClient();

  const groups = dynamoGroupState({
    doc: dynamo.doc,
    tableName: tables.groupsTable,
    clock: systemClock,
    recordTtlSeconds: 86_400,
  });
  const { gid } = await routeMesibo.groupadd({ name: scenario.group.key });
  await routeMesibo.groupeditmembers({ gid, addresses: scenario.group.members });
  await groups.claimCreation(scenario.group.key, { attemptId: 'seed', until: Date.now() + 60_000 });
  await groups.recordGid(scenario.group.key, 'seed', gid, scenario.group.key);
  await seedUsers(dynamo, tables.usersTable, scenario.users);

  const kills: Record<string, number> = {};
  const chaos = { on: true };
  const life = new AsyncLocalStorage<Life>();
  const kill = (point: KillPoint) => {
    const l = life.getStore();
    if (!l || l.dead || !chaos.on || !killRandom.chance(o.killPercent / 100)) return;
    l.dead = true;
    bump(kills, point);
    throw new SimulatedKill(point);
  };

  let queue: LocalQueue | undefined;
  const fanout = (): LocalQueue => {
    if (!queue) throw new Error('the queue is not built yet');
    return queue;
  };
  const publisher = {
    publish: (messages: Parameters<LocalQueue['publish']>[0]) => fanout().publish(messages),
  };
  const messageGuard: MesiboClient = new Proxy(workerMesibo, {
    get(t, prop, receiver) {
      const value = Reflect.get(t, prop, receiver);
      if (prop !== 'message' || typeof value !== 'function') return value;
      return async (input: MessageInput, options: unknown) => {
        if (life.getStore()?.dead) throw new SimulatedKill('before-send');
        kill('before-send');
        try {
          const result = await current.run(input, () => value.call(t, input, options));
          // Sent, but the invocation dies (now, or already did while the call was on the wire)
          // before it can record so: the next attempt cannot know.
          try {
            if (life.getStore()?.dead) throw new SimulatedKill('after-send');
            kill('after-send');
          } catch (e) {
            for (const a of recipientsOf(input)) ambiguous.add(a);
            throw e;
          }
          return result;
        } catch (e) {
          if (isMesiboError(e) && e.mayHaveApplied) for (const a of recipientsOf(input)) ambiguous.add(a);
          throw e;
        }
      };
    },
  });
  const workerDeps = buildWorkerDeps({
    config: workerConfigFromEnv(env),
    doc: dynamo.doc,
    mesibo: messageGuard,
    queue: guarded(publisher, life, { publish: 'after-enqueue' }, kill),
    deadLetters: guarded(queueDeadLetters({ publish: (m) => fanout().dlq.publish(m) }), life, {}, kill),
    redelivery: guarded(
      { delay: async (m, seconds) => fanout().changeVisibility(m.receiptHandle, seconds) },
      life,
      {},
      kill,
    ),
    clock: systemClock,
    random: () => jitterRandom.int(0, 999) / 1000,
    logger: silent('sim-worker'),
    metrics: noMetrics,
  });
  workerDeps.ledger = guarded(workerDeps.ledger, life, { settle: 'after-settle' }, kill);
  workerDeps.status = guarded(workerDeps.status, life, { countPart: 'after-count' }, kill);
  const worker = createWorkerHandler(workerDeps);

  queue = new LocalQueue({
    name: 'fanout',
    region: REGION,
    accountId: ACCOUNT,
    consumer: async (event) => {
      const l: Life = { dead: false };
      const result = await life
        .run(l, () => worker(event, lambdaContext()))
        .catch((e) => {
          if (l.dead) return undefined;
          throw e;
        });
      // A killed invocation reports nothing: its messages come back after the visibility timeout.
      if (l.dead) throw new Error('the invocation was killed');
      return result;
    },
    batchSize: 10,
    visibilityTimeoutMs: VISIBILITY_MS,
    // Above the worker's own attempt budget, as in the stack.
    maxReceiveCount: workerConfigFromEnv(env).maxAttempts + 1,
    maxConcurrency: o.concurrency,
  });
  queue.start();

  const sendConfig = sendConfigFromEnv(env);
  const send = createSendHandler(
    buildNotifyDeps({
      config: sendConfig,
      dynamo: { client: dynamo.client, doc: dynamo.doc },
      queue,
      deadLetters: { put: async () => {} },
      schedulerFor: () => {
        throw new Error('the simulation schedules nothing');
      },
      findGid: groupGidLookup({ doc: dynamo.doc, tableName: sendConfig.groupsTable }),
      clock: systemClock,
      logger: silent('sim-route'),
      metrics: noMetrics,
    }),
  );
  return {
    emulator,
    control,
    dynamo,
    clients: [routeMesibo, workerMesibo],
    queue,
    send,
    gid,
    kills,
    mesiboCalls,
    ambiguous,
    chaos,
  };
};

const closeWorld = async (w: World) => {
  await w.queue.close();
  for (const c of w.clients) await c.close();
  await w.dynamo.close();
  await w.emulator.close();
};

const httpEvent = (
  method: 'GET' | 'POST',
  path: string,
  routeKey: string,
  body?: unknown,
  pathParameters: Record<string, string> | null = null,
): APIGatewayProxyEventV2 =>
  buildHttpEvent(
    {
      method,
      url: path,
      headers: { host: '127.0.0.1', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? Buffer.from(JSON.stringify(body)) : Buffer.alloc(0),
      sourceIp: '127.0.0.1',
      protocol: 'HTTP/1.1',
    },
    { routeKey, pathParameters, accountId: ACCOUNT },
  );

const answer = (result: APIGatewayProxyResultV2) =>
  typeof result === 'string'
    ? { status: 200, body: {} as Record<string, unknown> }
    : { status: result.statusCode ?? 0, body: JSON.parse(result.body ?? '{}') as Record<string, unknown> };

const submit = async (w: World, s: Submission) => {
  const n = s.notification;
  const body = {
    notificationId: n.id,
    audience: n.audience,
    message: { text: s.conflicting ? `${n.text} (other)` : n.text },
    delivery: n.delivery,
  };
  const result = await w.send(
    httpEvent('POST', '/v1/system-messages', 'POST /v1/system-messages', body),
    lambdaContext(),
  );
  return { ...answer(result as APIGatewayProxyResultV2), text: body.message.text };
};

const readStatus = async (w: World, id: string): Promise<NotificationStatus | undefined> => {
  const result = await w.send(
    httpEvent('GET', `/v1/system-messages/${id}`, 'GET /v1/system-messages/{notificationId}', undefined, {
      notificationId: id,
    }),
    lambdaContext(),
  );
  const a = answer(result as APIGatewayProxyResultV2);
  return a.status === 200 ? (a.body as unknown as NotificationStatus) : undefined;
};

export const runFanoutSimulation = async (o: SimOptions): Promise<SimResult> => {
  const started = Date.now();
  const r = seededRandom(o.seed);
  const scenario = buildScenario(r.fork(), o);
  const w = await startWorld(o, r, scenario);
  const mismatches: string[] = [];
  const figures: SimFigures = {
    seed: o.seed,
    notifications: o.notifications,
    users: o.users,
    submissions: 0,
    duplicateSubmissions: 0,
    conflictsRefused: 0,
    recipients: 0,
    deliveries: 0,
    duplicates: { atLeastOnce: 0, atMostOnce: 0 },
    notReached: { atLeastOnce: 0, atMostOnce: 0 },
    faultsInjected: {},
    kills: w.kills,
    deadLettered: 0,
    redriven: 0,
    mesiboCalls: w.mesiboCalls,
    mismatches: 0,
    wallMs: 0,
  };
  const stall = o.stallTimeoutMs ?? 60_000;
  try {
    if (o.faultPercent > 0) {
      const rate = o.faultPercent / 100 / FAULTS.length;
      for (const f of FAULTS) await w.control.addFault({ ops: ['message'], ...f, rate });
    }
    /** The text each id was accepted with: the first submission to win decides. */
    const accepted = new Map<string, string>();
    const seen = new Set<string>();
    for (const wave of scenario.waves) {
      const answers = await Promise.all(wave.map((s) => submit(w, s)));
      wave.forEach((s, i) => {
        const a = answers[i]!;
        figures.submissions++;
        if (seen.has(s.notification.id)) figures.duplicateSubmissions++;
        seen.add(s.notification.id);
        if (a.status === 202) {
          const before = accepted.get(s.notification.id);
          if (before !== undefined && before !== a.text)
            mismatches.push(`${s.notification.id}: accepted with two payloads`);
          accepted.set(s.notification.id, a.text);
        } else if (a.status === 409 && accepted.has(s.notification.id)) {
          figures.conflictsRefused++;
        } else {
          mismatches.push(`${s.notification.id}: answered ${a.status} ${JSON.stringify(a.body)}`);
        }
      });
    }
    await untilQuiet(w.queue, stall, 'the fan-out queue under faults');
    figures.faultsInjected = await faultsApplied(w.emulator.url);

    // Quiet: no more faults or kills; whatever the rules allow is redriven.
    await w.control.clearFaults();
    w.chaos.on = false;
    figures.deadLettered = w.queue.dlq.size;
    figures.redriven = (await redriveLocal({ queue: 'fanout', source: w.queue })).moved;
    await untilQuiet(w.queue, stall, 'the fan-out queue after the redrive');

    await checkInvariant(w, scenario, accepted, figures, mismatches);
  } catch (e) {
    mismatches.push(e instanceof Error ? e.message : String(e));
  } finally {
    await closeWorld(w);
  }
  figures.mismatches = mismatches.length;
  figures.wallMs = Date.now() - started;
  return { figures, mismatches };
};

const checkInvariant = async (
  w: World,
  scenario: Scenario,
  accepted: Map<string, string>,
  figures: SimFigures,
  mismatches: string[],
) => {
  const { messages } = await w.control.state();
  for (const n of scenario.notifications) {
    const text = accepted.get(n.id);
    if (text === undefined) {
      mismatches.push(`${n.id}: never accepted`);
      continue;
    }
    const other = text === n.text ? `${n.text} (other)` : n.text;
    if (messages.some((m) => m.message === other)) mismatches.push(`${n.id}: the refused payload was sent`);
    const intended =
      'addresses' in n.audience
        ? [...new Set(n.audience.addresses)]
        : 'allUsers' in n.audience
          ? scenario.users
          : [`gid:${w.gid}`];
    const counts = new Map<string, number>(intended.map((a) => [a, 0]));
    for (const m of messages) {
      if (m.message !== text) continue;
      const to = m.gid ? [`gid:${m.gid}`] : m.to;
      for (const a of to) {
        if (!counts.has(a)) mismatches.push(`${n.id}: sent to ${a}, who is not in its audience`);
        else counts.set(a, (counts.get(a) ?? 0) + 1);
      }
    }
    const status = await readStatus(w, n.id);
    if (!status) {
      mismatches.push(`${n.id}: no status`);
      continue;
    }
    const twice = [...counts].filter(([, c]) => c > 1);
    const missed = [...counts].filter(([, c]) => c === 0);
    figures.recipients += intended.length;
    figures.deliveries += [...counts.values()].reduce((s, c) => s + c, 0);
    const policy = n.delivery === 'at-least-once' ? 'atLeastOnce' : 'atMostOnce';
    figures.duplicates[policy] += twice.length;
    figures.notReached[policy] += missed.length;
    const { sent, unknown, failed, pending } = status.recipients;
    if (status.state !== 'done' && status.state !== 'done-with-failures')
      mismatches.push(`${n.id}: status ${status.state} at quiescence`);
    if (pending) mismatches.push(`${n.id}: ${pending} recipients still pending at quiescence`);
    if (sent + unknown + failed !== intended.length)
      mismatches.push(
        `${n.id}: status counts ${sent} sent + ${unknown} unknown + ${failed} failed, audience ${intended.length}`,
      );
    // Known outcomes: every recipient counted as sent was reached.
    if (sent > intended.length - missed.length)
      mismatches.push(`${n.id}: ${sent} counted as sent, ${intended.length - missed.length} reached`);
    // Whatever was not reached is accounted for as unknown or failed, never silently.
    if (missed.length > unknown + failed)
      mismatches.push(`${n.id}: ${missed.length} not reached, only ${unknown + failed} unknown or failed`);
    if (n.delivery === 'at-most-once') {
      for (const [a, c] of twice) mismatches.push(`${n.id} (at-most-once): ${a} received it ${c} times`);
    } else {
      // At least once: only a refusal (counted failed) may leave someone out; duplicates only where
      // an outcome was unknown.
      if (missed.length > failed)
        mismatches.push(`${n.id} (at-least-once): ${missed.length} not reached, ${failed} failed`);
      for (const [a, c] of twice)
        if (!w.ambiguous.has(`${text}|${a}`))
          mismatches.push(`${n.id} (at-least-once): ${a} received it ${c} times with every outcome known`);
    }
  }
};

export { buildScenario, type PlannedNotification, type Scenario };
