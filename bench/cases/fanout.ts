/**
 * Fan-out: one message to N cached users through the whole path (route → expansion task → worker
 * expanding the users table page by page → queue → worker → emulator), against the naive way: one `message` call per recipient, one after another.
 * The baseline is measured on a sample of recipients and scaled to N (it is linear by construction),
 * so the run stays short.
 */
import { emulatorControl } from '../../local/mesibo-emulator/control';
import { startMesiboEmulator } from '../../local/mesibo-emulator/server';
import { createMesiboClient } from '../../shared/mesibo';
import { measureFanout } from '../../test/integration/notify/measure';
import { type BenchRow, type BenchSettings, vs } from '../lib/report';
import { round } from '../lib/stats';

const CASE = 'fanout';

/** Sequential per-recipient sends: ms per recipient, measured over `sample` recipients. */
const naivePerRecipientMs = async (latencyMs: number, sample: number): Promise<number> => {
  const emulator = await startMesiboEmulator({ port: 0 });
  const mesibo = createMesiboClient({
    baseUrl: emulator.backendUrl,
    style: 'json',
    appToken: async () => emulator.appToken,
  });
  try {
    await mesibo.useradd({ address: 'system' });
    await emulatorControl(emulator.url).addFault({ kind: 'latency', ms: latencyMs });
    const started = performance.now();
    for (let i = 0; i < sample; i++) {
      await mesibo.message({ from: 'system', to: `user-${i}`, message: 'Maintenance tonight at 22:00' });
    }
    return (performance.now() - started) / sample;
  } finally {
    await mesibo.close();
    await emulator.close();
  }
};

export const fanoutCases = async (settings: BenchSettings): Promise<BenchRow[]> => {
  const users = settings.quick ? 1_000 : 10_000;
  const latencyMs = settings.mesiboLatencyMs;
  const f = await measureFanout({ users, latencyMs });
  const perRecipient = await naivePerRecipientMs(latencyMs, settings.quick ? 50 : 300);
  const naiveMs = perRecipient * users;
  const calls = Object.values(f.mesiboCalls).reduce((a, b) => a + b, 0);
  return [
    {
      case: CASE,
      metric: `naive: one call per recipient, sequential (${users} calls, scaled)`,
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
      metric: 'peak RSS (emulator, dynalite and both functions in one process)',
      value: round(f.memory.peakRssMb, 1),
      unit: 'MB',
    },
    { case: CASE, metric: 'RSS before the request', value: round(f.memory.baselineRssMb, 1), unit: 'MB' },
  ];
};
