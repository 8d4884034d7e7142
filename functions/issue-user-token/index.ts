/** The Lambda entry: settings are read and checked during init, so a missing one fails the cold start. */
import { tokenDepsFromEnv } from '../../shared/user-tokens/deps';
import { createHandler } from './handler';

export const handler = createHandler(tokenDepsFromEnv(process.env));
