/** The case groups `npm run bench` runs, in order. */
import type { BenchRow, BenchSettings } from '../lib/report';
import { coldStartCases } from './cold-start';
import { fanoutCases } from './fanout';
import { groupSyncCases } from './group-sync';
import { tokenCases } from './token';

export interface CaseGroup {
  name: string;
  /** The rows, with the Node versions they were measured on when the group chose them itself. */
  run(settings: BenchSettings): Promise<BenchRow[] | { rows: BenchRow[]; nodes: string[] }>;
}

export const caseGroups: readonly CaseGroup[] = [
  { name: 'cold-start', run: coldStartCases },
  { name: 'token', run: tokenCases },
  { name: 'group-sync', run: groupSyncCases },
  { name: 'fanout', run: fanoutCases },
];
