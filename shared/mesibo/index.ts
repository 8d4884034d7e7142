/** The mesibo backend API client: the one entry point functions and use cases import. */
export { createMesiboClient, type MesiboHttpClient } from './client';
export { type MesiboEndpoint, mesiboOptionsFromEnv } from './env';
export * from './errors';
export {
  DEFAULT_BASE_URL,
  type MesiboApiStyle,
  type MesiboCallObserver,
  type MesiboCallOutcome,
  type MesiboClientOptions,
  type MesiboLogger,
} from './options';
export * from './types';
