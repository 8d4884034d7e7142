/** The Lambda entry: settings are read and checked during init; no secret is read until a deep check. */
import { healthDepsFromEnv } from '../../shared/health/deps';
import { createHandler } from './handler';

export const handler = createHandler(healthDepsFromEnv(process.env));
