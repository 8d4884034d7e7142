/** The Lambda entry: settings are read and checked during init, so a missing one fails the cold start. */
import { groupSyncWorkerFromEnv } from '../../shared/group-sync/worker-deps';
import { createHandler } from './handler';

export const handler = createHandler(groupSyncWorkerFromEnv(process.env));
