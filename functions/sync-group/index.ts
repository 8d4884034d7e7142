/** The Lambda entry: settings are read and checked during init, so a missing one fails the cold start. */
import { webhookReceiverFromEnv } from '../../shared/group-sync/receiver-deps';
import { createHandler } from './handler';

export const handler = createHandler(webhookReceiverFromEnv(process.env));
