/** The mesibo HTTP client for a Lambda's platform, loaded on first use. */
import type { Platform } from '../platform';

export const awsMesibo: Pick<Platform, 'mesibo'> = {
  mesibo: async (options) => (await import('../../mesibo/client')).createMesiboClient(options),
};
