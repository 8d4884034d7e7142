/**
 * Addresses no user token is ever issued for: the system sender (every system message comes from it)
 * and the deployment's own reserved list. Matched case-insensitively after Unicode compatibility
 * folding, so `SYSTEM` or `ｓｙｓｔｅｍ` cannot pass for the sender in a chat list either.
 */
const fold = (address: string): string => address.normalize('NFKC').toLowerCase();

export const reservedAddresses = (addresses: readonly string[]) => {
  const reserved = new Set(addresses.map(fold));
  return (address: string): boolean => reserved.has(fold(address));
};
