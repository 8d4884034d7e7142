/**
 * Fan-out: one message to N cached users through the whole path (route → expansion task → worker
 * expanding the users table page by page → queue → worker → emulator), against the naive way: one
 * `message` call per recipient, started as many at a time as the product allows itself (worker
 * invocations × records per invocation, which Powertools processes concurrently), over the same
 * mesibo client, so both meet its connection limit. And the route's
 * accept time with 1,000 and with 100,000 users in the table: the route never reads it, so the two
 * should match.
 */
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { startNotifyHarness } from '../../local/harness/system-messages/harness';
import { measureFanout } from '../../local/harness/system-messages/measure';
import { emulatorControl } from '../../local/mesibo-emulator/control';
import { startMesiboEmulator } from '../../local/mesibo-emulator/server';
import { createMesiboClient } from '../../shared/mesibo';
import { type BenchRow, type BenchSettings, vs } from '../lib/report';
import { median, round } from '../lib/stats';

const CASE = 'fanout';
/** The product's own bound on message calls in flight: 10 worker invocations × 10 records each. */
const WORKER_CONCURRENCY = 10;
const RECORDS_PER_INVOCATION = 10;

/** One call per recipient, `inFlight` at a time: the wall time for all of them. */
const naiveConcurrentMs = async (
  latencyMs: number,
  recipients: number,
  inFlight: number,
): Promise<number> => {
  const emulator = await startMesiboEmulator({ port: 0 });
  const mesibo = createMesiboClient({
    baseUrl: emulator.backendUrl,
    style: 'json',
    appToken: async () => emulator.appToken,
  });
  try {
    await mesibo.useradd({ address: 'system' });
    await emulatorControl(emulator.url).addFault({ kind: 'latency', ms: latencyMs });
    let next = 0;
    const started = performance.now();
    const lane = async () => {
      while (next < recipients) {
        const i = next++;
        await mesibo.message({ from: 'system', to: `user-${i}`, message: 'Maintenance tonight at 22:00' });
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
    return performance.now() - started;
  } finally {
    await mesibo.close();
    await emulator.close();
  }
};

/** Median POST → 202 of an all-users notification with `users` users cached in the table. */
const acceptMs = async (users: number, repeats: number): Promise<number> => {
  const h = await startNotifyHarness({});
  try {
    const items = Array.from({ length: users }, (_, i) => ({
      PutRequest: {
        Item: { pk: `user-${i}`, sk: 'appid#com.example.app', uid: 1001 + i, appid: 'com.example.app' },
      },
    }));
    let cursor = 0;
    const writer = async () => {
      while (cursor < items.length) {
        let pending: unknown[] = items.slice(cursor, cursor + 25);
        cursor += 25;
        while (pending.length) {
          const out = await h.dynamo.doc.send(
            new BatchWriteCommand({ RequestItems: { [h.tables.usersTable]: pending as typeof items } }),
          );
          pending = out.UnprocessedItems?.[h.tables.usersTable] ?? [];
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, writer));
    const times: number[] = [];
    // The first requests of a process pay for loading and JIT; measure warm ones, as in the stack.
    for (let i = -3; i < repeats; i++) {
      const started = performance.now();
      const answer = await h.post({
        notificationId: `accept-${users}-${i}`,
        audience: { allUsers: true },
        message: { text: 'Maintenance tonight at 22:00' },
      });
      if (i >= 0) times.push(performance.now() - started);
      if (answer.status !== 202) throw new Error(`not accepted: ${JSON.stringify(answer.body)}`);
    }
    return median(times);
  } finally {
    await h.close();
  }
};

export const fanoutCases = async (settings: BenchSettings): Promise<BenchRow[]> => {
  const users = settings.quick ? 1_000 : 10_000;
  const latencyMs = settings.mesiboLatencyMs;
  const f = await measureFanout({
    users,
    latencyMs,
    workerConcurrency: WORKER_CONCURRENCY,
    recordsPerInvocation: RECORDS_PER_INVOCATION,
  });
  const inFlight = WORKER_CONCURRENCY * RECORDS_PER_INVOCATION;
  const naiveMs = await naiveConcurrentMs(latencyMs, users, inFlight);
  const calls = Object.values(f.mesiboCalls).reduce((a, b) => a + b, 0);
  const [small, large] = settings.quick ? [100, 1_000] : [1_000, 100_000];
  const repeats = settings.quick ? 3 : 15;
  const acceptSmall = await acceptMs(small, repeats);
  const acceptLarge = await acceptMs(large, repeats);
  return [
    {
      case: CASE,
      metric: `naive: one call per recipient, ${inFlight} at a time over the product's client (${users} calls)`,
      value: round(naiveMs),
      unit: 'ms',
    },
    {
      case: CASE,
      metric: 'batch size (recipients per message call)',
      value: f.batchSize,
      unit: 'recipients',
    },
    vs({ case: CASE, metric: `mesibo calls for ${users} users`, value: calls, unit: 'calls' }, users),
    { case: CASE, metric: 'recipients reached exactly once', value: f.recipientsReached, unit: 'recipients' },
    { case: CASE, metric: 'route: accepted (202) after', value: round(f.acceptMs), unit: 'ms' },
    vs(
      { case: CASE, metric: 'wall time, request to last send', value: round(f.totalMs), unit: 'ms' },
      naiveMs,
    ),
    {
      case: CASE,
      metric: 'throughput',
      value: round(f.recipientsReached / (f.totalMs / 1000)),
      unit: 'recipients/s',
    },
    {
      case: CASE,
      metric: `route accept, all users, ${small} users in the table (median of ${repeats})`,
      value: round(acceptSmall),
      unit: 'ms',
    },
    vs(
      {
        case: CASE,
        metric: `route accept, all users, ${large} users in the table (median of ${repeats})`,
        value: round(acceptLarge),
        unit: 'ms',
      },
      acceptSmall,
    ),
    {
      case: CASE,
      metric: 'peak RSS (emulator, dynalite and both functions in one process)',
      value: round(f.memory.peakRssMb, 1),
      unit: 'MB',
    },
    { case: CASE, metric: 'RSS before the request', value: round(f.memory.baselineRssMb, 1), unit: 'MB' },
  ];
};
