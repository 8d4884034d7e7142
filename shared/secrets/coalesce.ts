/**
 * Shares reads in flight: concurrent first requests in a fresh container would each read Secrets
 * Manager (the provider caches values, not reads in flight).
 */
import type { SecretSource } from '../ports';

export const coalescedSecret = (source: SecretSource): SecretSource => {
  let inFlight: Promise<string> | undefined;
  let forcedInFlight: Promise<string> | undefined;
  return (options = {}) => {
    // A forced refresh must not be answered by a read that started before the rotation was noticed.
    if (options.forceRefresh) {
      forcedInFlight ??= source({ forceRefresh: true }).finally(() => {
        forcedInFlight = undefined;
      });
      return forcedInFlight;
    }
    inFlight ??= source().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
};
