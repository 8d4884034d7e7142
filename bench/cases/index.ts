/** The case groups `npm run bench` runs, in order. */
import type { BenchRow, BenchSettings } from '../lib/report';
import { fanoutCases } from './fanout';
import { groupSyncCases } from './group-sync';
import { tokenCases } from './token';

export interface CaseGroup {
  name: string;
  run(settings: BenchSettings): Promise<BenchRow[]>;
}

export const caseGroups: readonly CaseGroup[] = [
  { name: 'token', run: tokenCases },
  { name: 'group-sync', run: groupSyncCases },
  { name: 'fanout', run: fanoutCases },
];
