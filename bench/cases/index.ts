/** The case groups `npm run bench` runs, in order. */
import type { BenchRow, BenchSettings } from '../lib/report';
import { coldStartCases } from './cold-start';
import { fanoutCases } from './fanout';
import { groupSyncCases } from './group-sync';
import { tokenCases } from './token';

export interface CaseGroup {
  name: string;
  run(settings: BenchSettings): Promise<BenchRow[]>;
}

export const caseGroups: readonly CaseGroup[] = [
  { name: 'cold-start', run: coldStartCases },
  { name: 'token', run: tokenCases },
  { name: 'group-sync', run: groupSyncCases },
  { name: 'fanout', run: fanoutCases },
];
