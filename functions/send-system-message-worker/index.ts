/** The Lambda entry: settings are read and checked during init, so a missing one fails the cold start. */
import { sendSystemMessageWorkerDepsFromEnv } from '../../shared/system-messages/deps';
import { createHandler } from './handler';

export const handler = createHandler(sendSystemMessageWorkerDepsFromEnv(process.env));
