/**
 * Fan-out figures, reusable by the benchmarks: one notification to every cached user, through the
 * whole path (HTTP route → one expansion task → worker expanding the users table page by page onto
 * the fan-out queue → worker → emulator over HTTP, ledger, status and idempotency in dynalite). Everything runs in this one process (emulator and dynalite included), so
 * the memory figures are an upper bound for the functions' own use; wall times include dynalite,
 * which is much slower than DynamoDB. Call counts are exact.
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_BATCH_SIZE } from '../../../shared/system-messages/config';
import { startNotifyHarness } from './harness';

export interface FanoutMeasureOptions {
  /** Cached users, each with one appid item and one lease item (default 10,000). */
  users?: number;
  /** Latency the emulator adds to every request (default 20 ms). */
  latencyMs?: number;
  /** Recipients per mesibo call (default: the product default). */
  batchSize?: number;
  /** Users-table Scan page size (default 500, the product default). */
  pageSize?: number;
  /** Worker invocations at once (Lambda concurrency; default 10, the production reserved concurrency). */
  workerConcurrency?: number;
  /** SQS records per worker invocation (default 10). */
  recordsPerInvocation?: number;
}

export interface FanoutFigures {
  users: number;
  latencyMs: number;
  batchSize: number;
  workerConcurrency: number;
  batches: number;
  /** Requests the emulator received, by op. */
  mesiboCalls: Record<string, number>;
  /** Distinct recipients the emulator recorded a message for, and messages recorded in total. */
  recipientsReached: number;
  recipientDeliveries: number;
  /** POST → 202 (validate, record, enqueue one expansion task: the send function's own work). */
  acceptMs: number;
  /** Queue drained by the worker. */
  sendMs: number;
  totalMs: number;
  /** Peak over the run, sampled every 5 ms, and the same just before the POST. */
  memory: { baselineRssMb: number; peakRssMb: number; baselineHeapMb: number; peakHeapMb: number };
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

export const measureFanout = async (options: FanoutMeasureOptions = {}): Promise<FanoutFigures> => {
  const users = options.users ?? 10_000;
  const latencyMs = options.latencyMs ?? 20;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const workerConcurrency = options.workerConcurrency ?? 10;
  const h = await startNotifyHarness({
    env: { FANOUT_BATCH_SIZE: String(batchSize), USERS_SCAN_PAGE_SIZE: String(options.pageSize ?? 500) },
  });
  try {
    await h.seedUsers(Array.from({ length: users }, (_, i) => `user-${i}`));
    await h.control.addFault({ kind: 'latency', ms: latencyMs });

    const baseline = process.memoryUsage();
    const peak = { rss: baseline.rss, heap: baseline.heapUsed };
    const sampler = setInterval(() => {
      const now = process.memoryUsage();
      peak.rss = Math.max(peak.rss, now.rss);
      peak.heap = Math.max(peak.heap, now.heapUsed);
    }, 5);

    const started = performance.now();
    const answer = await h.post({
      notificationId: 'measure',
      audience: { allUsers: true },
      message: { text: 'Fan-out measurement' },
    });
    const accepted = performance.now();
    await h.drain({ concurrency: workerConcurrency, batchSize: options.recordsPerInvocation ?? 10 });
    const done = performance.now();
    clearInterval(sampler);
    if (answer.status !== 202) throw new Error(`fan-out not accepted: ${JSON.stringify(answer.body)}`);

    const mesiboCalls: Record<string, number> = {};
    for (const r of await h.control.requests()) mesiboCalls[r.op] = (mesiboCalls[r.op] ?? 0) + 1;
    const recipients = (await h.control.state()).messages.flatMap((m) => m.to);
    const status = (await h.status('measure')).body as { batches: { total?: number } };
    return {
      users,
      latencyMs,
      batchSize,
      workerConcurrency,
      batches: Number(status.batches.total),
      mesiboCalls,
      recipientsReached: new Set(recipients).size,
      recipientDeliveries: recipients.length,
      acceptMs: Math.round(accepted - started),
      sendMs: Math.round(done - accepted),
      totalMs: Math.round(done - started),
      memory: {
        baselineRssMb: mb(baseline.rss),
        peakRssMb: mb(peak.rss),
        baselineHeapMb: mb(baseline.heapUsed),
        peakHeapMb: mb(peak.heap),
      },
    };
  } finally {
    await h.close();
  }
};
