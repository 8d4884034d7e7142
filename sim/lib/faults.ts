/** What the emulator's fault rules did in a run, by kind (and status), for the figures. */
import type { FaultSpec } from '../../local/mesibo-emulator/control';
import { bump } from './counts';

export const faultsApplied = async (emulatorUrl: string): Promise<Record<string, number>> => {
  const res = await fetch(`${emulatorUrl}/_emulator/faults`);
  const rules = (await res.json()) as (FaultSpec & { applied: number })[];
  const out: Record<string, number> = {};
  for (const rule of rules) bump(out, rule.status ? `${rule.kind} ${rule.status}` : rule.kind, rule.applied);
  return out;
};
