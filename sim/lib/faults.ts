/** What the emulator's fault rules did in a run, by kind (and status), for the figures. */
import type { FaultSpec } from '../../local/mesibo-emulator/control';

export const faultsApplied = async (emulatorUrl: string): Promise<Record<string, number>> => {
  const res = await fetch(`${emulatorUrl}/_emulator/faults`);
  const rules = (await res.json()) as (FaultSpec & { applied: number })[];
  const out: Record<string, number> = {};
  for (const rule of rules) {
    const name = rule.status ? `${rule.kind} ${rule.status}` : rule.kind;
    out[name] = (out[name] ?? 0) + rule.applied;
  }
  return out;
};
