/**
 * One group-sync fault simulation: the real webhook route and worker handlers, the local FIFO queue
 * (with its DLQ), the mesibo emulator over HTTP with seeded fault injection, and dynalite through the
 * real AWS SDK, all in this process on loopback. The worker is stopped at seeded points between its
 * steps; at the end faults and kills stop, the DLQ is redriven, and once everything is quiet each
 * group at mesibo is compared with the model (the events applied in version order).
 *
 * Every choice comes from the seed; what the seed cannot fix is how concurrent work interleaves, so a
 * replay runs the same scenario, faults and kill points, not necessarily the same interleaving.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createHandler as createWebhookHandler } from '../../functions/sync-group/handler';
import { createHandler as createWorkerHandler } from '../../functions/sync-group-worker/handler';
import { createTables, type LocalDynamo, startDynalite, uniqueTableNames } from '../../local/dynamo';
import { buildHttpEvent } from '../../local/gateway/event';
import { type EmulatorControl, emulatorControl, type FaultSpec } from '../../local/mesibo-emulator/control';
import { type RunningEmulator, startMesiboEmulator } from '../../local/mesibo-emulator/server';
import { LocalQueue } from '../../local/queue/local-queue';
import type { ApplyCheckpoint } from '../../shared/group-sync/apply';
import { GROUP_SYNC_DEFAULTS } from '../../shared/group-sync/config';
import { dynamoGroupState } from '../../shared/group-sync/dynamo-state';
import { toMask } from '../../shared/group-sync/members';
import { noGroupSyncMetrics } from '../../shared/group-sync/metrics';
import { buildWebhookReceiver } from '../../shared/group-sync/receiver-deps';
import { minReceiveCount } from '../../shared/group-sync/retry-rule';
import type { GroupSyncMessage } from '../../shared/group-sync/schema';
import { buildGroupSyncWorker } from '../../shared/group-sync/worker-deps';
import { createMesiboClient, type MesiboHttpClient } from '../../shared/mesibo';
import { systemClock } from '../../shared/ports';
import { signPayload } from '../../shared/webhook/signature';
import { bump, type ChaosOptions } from '../lib/counts';
import { faultsApplied } from '../lib/faults';
import { untilQuiet } from '../lib/quiet';
import { type Random, seededRandom } from '../lib/random';
import { modelGroup } from './model';
import { buildScenario, type Delivery, type Scenario, type Send } from './scenario';

export interface SimOptions extends ChaosOptions {
  groups: number;
  events: number;
  /** Distinct addresses per group. */
  members: number;
}

export interface SimFigures {
  seed: number;
  groups: number;
  events: number;
  posts: number;
  duplicatePosts: number;
  forgedReplays: number;
  redeliveries: number;
  routeAnswers: Record<string, number>;
  faultsInjected: Record<string, number>;
  kills: Record<string, number>;
  workerFailures: number;
  deadLettered: number;
  mesiboCalls: Record<string, number>;
  creationTakeovers: number;
  orphanGroups: number;
  groupsChecked: number;
  mismatches: number;
  wallMs: number;
}

export interface SimResult {
  figures: SimFigures;
  /** One line per broken invariant; empty when the run is correct. */
  mismatches: string[];
}

const SECRET = 'whsec_simulation_secret_0001';
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const GROUP_OPS = ['groupadd', 'groupset', 'groupdel', 'groupeditmembers'];
/** Short timings so leases, timeouts and redeliveries play out within the run (same rule as AWS). */
const VISIBILITY_MS = 40;
const CREATION_LEASE_MS = 500;
const MESIBO_TIMEOUT_MS = 200;

/** Every fault kind the emulator offers, as the worker would meet them from mesibo. */
const FAULTS: FaultSpec[] = [
  { kind: 'status', status: 500 },
  { kind: 'status', status: 429 },
  { kind: 'reset' },
  { kind: 'hang' },
  { kind: 'malformed' },
  { kind: 'status-after-apply', status: 500 },
  // An API error on groupdel reads as "already gone" to a retried delete; mesibo refuses an existing
  // group's groupdel for no other reason, so that fault is not modelled on groupdel.
  { kind: 'api-error', error: 'BADVALUE', ops: ['groupadd', 'groupset', 'groupeditmembers'] },
];

/** The worker being stopped at a step: the Lambda dies, the message comes back later. */
class SimulatedKill extends Error {
  constructor(readonly point: ApplyCheckpoint) {
    super(`simulated kill at ${point}`);
  }
}

/** A silent Powertools logger that counts its warnings and errors by message. */
class CountingLogger extends Logger {
  readonly counts = new Map<string, number>();
  private tally(input: Parameters<Logger['warn']>[0]) {
    const message = typeof input === 'string' ? input : String(input.message);
    this.counts.set(message, (this.counts.get(message) ?? 0) + 1);
  }
  override warn(...args: Parameters<Logger['warn']>): void {
    this.tally(args[0]);
  }
  override error(...args: Parameters<Logger['error']>): void {
    this.tally(args[0]);
  }
}

const TAKEOVER_WARNINGS = [
  'group creation taken over from an interrupted attempt; it may have left an empty group at mesibo',
  'group deleted while a creation was unfinished; an empty group may be left at mesibo',
];

interface World {
  emulator: RunningEmulator;
  control: EmulatorControl;
  dynamo: LocalDynamo;
  mesibo: MesiboHttpClient;
  queue: LocalQueue;
  webhook: ReturnType<typeof createWebhookHandler>;
  state: ReturnType<typeof dynamoGroupState>;
  logger: CountingLogger;
  kills: Record<string, number>;
  mesiboCalls: Record<string, number>;
  /** Kills happen only while true. */
  chaos: { on: boolean };
}

const startWorld = async (o: SimOptions, r: Random): Promise<World> => {
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

  const mesiboCalls: Record<string, number> = {};
  const mesibo = createMesiboClient({
    baseUrl: emulator.backendUrl,
    style: 'json',
    appToken: async () => emulator.appToken,
    maxAttempts: 3,
    timeoutMs: MESIBO_TIMEOUT_MS,
    sleep: async () => {},
    random: () => jitterRandom.int(0, 999) / 1000,
    onCall: (outcome) => bump(mesiboCalls, outcome.op, outcome.attempts),
  });

  const kills: Record<string, number> = {};
  const chaos = { on: true };
  const logger = new CountingLogger({ serviceName: 'sim-worker', logLevel: 'SILENT' });
  const recordTtlSeconds = GROUP_SYNC_DEFAULTS.recordTtlDays * 86_400;
  const maxMembers = GROUP_SYNC_DEFAULTS.maxMembers;
  const worker = createWorkerHandler(
    buildGroupSyncWorker({
      config: { groupsTable: tables.groupsTable, maxMembers, chunkSize: 2, recordTtlSeconds },
      doc: dynamo.doc,
      mesibo,
      clock: systemClock,
      logger,
      metrics: noGroupSyncMetrics,
      creationLeaseMs: CREATION_LEASE_MS,
      editsInFlight: 2,
      checkpoint: (point) => {
        if (!chaos.on || !killRandom.chance(o.killPercent / 100)) return;
        bump(kills, point);
        throw new SimulatedKill(point);
      },
    }),
  );
  const queue = new LocalQueue({
    name: 'group-sync.fifo',
    region: REGION,
    accountId: ACCOUNT,
    consumer: (event) => worker(event),
    batchSize: 10,
    visibilityTimeoutMs: VISIBILITY_MS,
    maxReceiveCount: minReceiveCount(VISIBILITY_MS, CREATION_LEASE_MS),
    maxConcurrency: o.concurrency,
  });
  const webhook = createWebhookHandler(
    buildWebhookReceiver({
      config: { groupsTable: tables.groupsTable, maxMembers, toleranceSeconds: 300, recordTtlSeconds },
      doc: dynamo.doc,
      webhookSecrets: async () => JSON.stringify({ current: SECRET }),
      queue,
      clock: systemClock,
      logger: new Logger({ serviceName: 'sim-route', logLevel: 'SILENT' }),
      metrics: noGroupSyncMetrics,
    }),
  );
  const state = dynamoGroupState({
    doc: dynamo.doc,
    tableName: tables.groupsTable,
    clock: systemClock,
    recordTtlSeconds,
  });
  return { emulator, control, dynamo, mesibo, queue, webhook, state, logger, kills, mesiboCalls, chaos };
};

const closeWorld = async (w: World) => {
  await w.queue.close();
  await w.mesibo.close();
  await w.dynamo.close();
  await w.emulator.close();
};

/** The signed webhook request as API Gateway would hand it to the route. */
const webhookEvent = (delivery: Delivery, forgedId?: string): APIGatewayProxyEventV2 => {
  const body = JSON.stringify({ id: delivery.id, ...delivery.event });
  return buildHttpEvent(
    {
      method: 'POST',
      url: '/v1/webhooks/groups',
      headers: {
        host: '127.0.0.1',
        'content-type': 'application/json',
        'x-mesibo-signature': signPayload(SECRET, body, Math.floor(Date.now() / 1000)),
        ...(forgedId ? { 'x-delivery-id': forgedId } : {}),
      },
      body: Buffer.from(body),
      sourceIp: '127.0.0.1',
      protocol: 'HTTP/1.1',
    },
    { routeKey: 'POST /v1/webhooks/groups', pathParameters: null, accountId: ACCOUNT },
  );
};

const sendAll = async (w: World, scenario: Scenario, figures: SimFigures, mismatches: string[]) => {
  const posted = new Set<string>();
  let redelivery = 0;
  const send = async (s: Send) => {
    if (s.kind === 'redeliver') {
      figures.redeliveries++;
      const message: GroupSyncMessage = {
        deliveryId: s.delivery.id,
        receivedAt: Date.now(),
        event: s.delivery.event,
      };
      await w.queue.publish([
        {
          body: JSON.stringify(message),
          groupId: s.delivery.event.group.key,
          deduplicationId: `${s.delivery.id}.again${++redelivery}`,
        },
      ]);
      return;
    }
    const result = await w.webhook(webhookEvent(s.delivery, s.kind === 'forged' ? s.forgedId : undefined));
    const status = typeof result === 'string' ? 200 : (result.statusCode ?? 0);
    const body = typeof result === 'string' ? {} : JSON.parse(result.body ?? '{}');
    if (s.kind === 'forged') {
      figures.forgedReplays++;
      bump(figures.routeAnswers, `forged ${status}`);
      if (status !== 400)
        mismatches.push(`a replay of ${s.delivery.id} under ${s.forgedId} was answered ${status}`);
      return;
    }
    figures.posts++;
    if (posted.has(s.delivery.id)) figures.duplicatePosts++;
    posted.add(s.delivery.id);
    bump(
      figures.routeAnswers,
      status === 202 ? `202 ${body.status}${body.duplicate ? ' (repeat)' : ''}` : String(status),
    );
    if (status !== 202)
      mismatches.push(`the route answered ${status} to ${s.delivery.id}: ${JSON.stringify(body)}`);
  };
  for (const wave of scenario.waves) await Promise.all(wave.map(send));
};

/** Each group at mesibo and in the records against the model; unrecorded mesibo groups must be empty. */
const checkInvariant = async (w: World, scenario: Scenario, mismatches: string[]) => {
  const state = await w.control.state();
  const atMesibo = new Map(state.groups.map((g) => [g.gid, g]));
  const mapped = new Set<number>();
  for (const key of scenario.keys) {
    const model = modelGroup(
      scenario.deliveries.filter((d) => d.event.group.key === key).map((d) => d.event),
    );
    const meta = await w.state.getMeta(key);
    if (meta?.intents.length) mismatches.push(`${key}: ${meta.intents.length} unconfirmed edits left`);
    if (!model.exists) {
      if (meta?.gid !== undefined) mismatches.push(`${key}: should not exist, has gid ${meta.gid}`);
      continue;
    }
    const group = meta?.gid === undefined ? undefined : atMesibo.get(meta.gid);
    if (!group || meta?.gid === undefined) {
      mismatches.push(`${key}: should exist with ${model.members.size} members, has no mesibo group`);
      continue;
    }
    mapped.add(meta.gid);
    const members = new Map(group.members.map((m) => [m.address, toMask(m.permissions)]));
    const describe = (m: Map<string, number>) =>
      JSON.stringify([...m].sort(([a], [b]) => a.localeCompare(b)));
    if (describe(members) !== describe(model.members)) {
      mismatches.push(`${key}: mesibo has ${describe(members)}, the model ${describe(model.members)}`);
    }
    if (model.name !== undefined && group.name !== model.name) {
      mismatches.push(
        `${key}: named ${JSON.stringify(group.name)} at mesibo, the model ${JSON.stringify(model.name)}`,
      );
    }
    const recorded = new Map(
      [...(await w.state.loadMembers(key))].filter(([, r]) => r.present).map(([a, r]) => [a, r.mask]),
    );
    if (describe(recorded) !== describe(members))
      mismatches.push(`${key}: records ${describe(recorded)} differ from mesibo`);
    if (meta.memberCount !== model.members.size) {
      mismatches.push(`${key}: memberCount ${meta.memberCount}, the model has ${model.members.size}`);
    }
  }
  const orphans = state.groups.filter((g) => !mapped.has(g.gid));
  for (const g of orphans) {
    if (g.members.length) mismatches.push(`unrecorded mesibo group ${g.gid} has ${g.members.length} members`);
  }
  return orphans.length;
};

export const runGroupSyncSimulation = async (o: SimOptions): Promise<SimResult> => {
  const started = Date.now();
  const r = seededRandom(o.seed);
  const scenario = buildScenario(r.fork(), o);
  const w = await startWorld(o, r);
  const mismatches: string[] = [];
  const figures: SimFigures = {
    seed: o.seed,
    groups: o.groups,
    events: scenario.deliveries.length,
    posts: 0,
    duplicatePosts: 0,
    forgedReplays: 0,
    redeliveries: 0,
    routeAnswers: {},
    faultsInjected: {},
    kills: w.kills,
    workerFailures: 0,
    deadLettered: 0,
    mesiboCalls: w.mesiboCalls,
    creationTakeovers: 0,
    orphanGroups: 0,
    groupsChecked: scenario.keys.length,
    mismatches: 0,
    wallMs: 0,
  };
  const stall = o.stallTimeoutMs ?? 60_000;
  try {
    if (o.faultPercent > 0) {
      const rate = o.faultPercent / 100 / FAULTS.length;
      for (const f of FAULTS) await w.control.addFault({ ops: GROUP_OPS, ...f, rate });
    }
    await sendAll(w, scenario, figures, mismatches);
    await untilQuiet(w.queue, stall, 'the queue under faults');
    figures.faultsInjected = await faultsApplied(w.emulator.url);

    // Quiet: no more faults or kills; whatever was dead-lettered is redriven.
    await w.control.clearFaults();
    w.chaos.on = false;
    figures.deadLettered = w.queue.dlq.size;
    w.queue.redrive();
    await untilQuiet(w.queue, stall, 'the queue after the redrive');
    if (w.queue.dlq.size)
      mismatches.push(`${w.queue.dlq.size} messages dead-lettered again after the redrive`);

    for (const d of scenario.deliveries) {
      const record = await w.state.getDelivery(d.id);
      if (!record || record.status === 'queued')
        mismatches.push(`delivery ${d.id} is ${record?.status ?? 'unrecorded'}`);
      const forged = await w.state.getDelivery(`${d.id}.forged`);
      if (forged) mismatches.push(`the forged id ${d.id}.forged was recorded`);
    }
    figures.orphanGroups = await checkInvariant(w, scenario, mismatches);
  } catch (e) {
    mismatches.push(e instanceof Error ? e.message : String(e));
  } finally {
    // Every wording of the worker's failure line (redelivered, last receive, or not known which).
    figures.workerFailures = [...w.logger.counts]
      .filter(([message]) => message.startsWith('group event failed'))
      .reduce((n, [, count]) => n + count, 0);
    figures.creationTakeovers = TAKEOVER_WARNINGS.reduce((n, m) => n + (w.logger.counts.get(m) ?? 0), 0);
    await closeWorld(w);
  }
  if (figures.orphanGroups > figures.creationTakeovers) {
    mismatches.push(
      `${figures.orphanGroups} unrecorded mesibo groups, more than the ${figures.creationTakeovers} logged takeovers`,
    );
  }
  figures.mismatches = mismatches.length;
  figures.wallMs = Date.now() - started;
  return { figures, mismatches };
};
