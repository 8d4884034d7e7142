/**
 * An in-memory TokenStore with the same conditional-write rules as the DynamoDB one. Each operation
 * yields to the event loop first, so concurrent requests interleave as they would over the network.
 */
import type { Lease, LeaseFailure, TokenRecord, TokenStore } from '../../../../shared/token/token-cache';

type Slot = { record?: TokenRecord; revokedAt?: number };

export class MemoryTokenStore implements TokenStore {
  readonly tokens = new Map<string, Slot>();
  readonly leases = new Map<string, Lease>();
  readonly writes: string[] = [];

  private key = (address: string, appid: string) => `${address}\u0000${appid}`;
  private tick = () => new Promise<void>((resolve) => setImmediate(resolve));

  seed(record: TokenRecord): void {
    this.tokens.set(this.key(record.address, record.appid), { record: { ...record } });
  }

  async get(address: string, appid: string): Promise<TokenRecord | undefined> {
    await this.tick();
    const record = this.tokens.get(this.key(address, appid))?.record;
    return record && { ...record };
  }

  async put(record: TokenRecord, { startedAt }: { startedAt: number }): Promise<boolean> {
    await this.tick();
    const key = this.key(record.address, record.appid);
    const slot = this.tokens.get(key);
    if (slot?.record && slot.record.issuedAt >= record.issuedAt) return false;
    if (slot?.revokedAt !== undefined && slot.revokedAt >= startedAt) return false;
    this.tokens.set(key, { record: { ...record } });
    this.writes.push(`put ${key}`);
    return true;
  }

  async tryAcquireLease(address: string, appid: string, lease: Omit<Lease, 'failure'>, now: number) {
    await this.tick();
    const key = this.key(address, appid);
    const held = this.leases.get(key);
    if (held && held.expiresAt > now && !held.failure) return false;
    this.leases.set(key, { ...lease });
    this.writes.push(`lease ${key}`);
    return true;
  }

  async getLease(address: string, appid: string): Promise<Lease | undefined> {
    await this.tick();
    const lease = this.leases.get(this.key(address, appid));
    return lease && { ...lease };
  }

  async releaseLease(address: string, appid: string, owner: string): Promise<void> {
    await this.tick();
    const key = this.key(address, appid);
    if (this.leases.get(key)?.owner === owner) this.leases.delete(key);
  }

  async failLease(address: string, appid: string, owner: string, failure: LeaseFailure, until: number) {
    await this.tick();
    const lease = this.leases.get(this.key(address, appid));
    if (lease?.owner === owner) Object.assign(lease, { failure, expiresAt: until });
  }

  async revoke(address: string, appids: readonly string[], at: number): Promise<void> {
    await this.tick();
    const cached = [...this.tokens.keys()].filter((k) => k.startsWith(`${address}\u0000`));
    for (const key of new Set([...appids.map((a) => this.key(address, a)), ...cached])) {
      this.tokens.set(key, { revokedAt: at });
      this.writes.push(`revoke ${key}`);
    }
  }

  async erase(address: string, appids: readonly string[], at: number): Promise<void> {
    await this.revoke(address, appids, at);
    for (const key of this.leases.keys()) if (key.startsWith(`${address}\u0000`)) this.leases.delete(key);
    this.writes.push(`erase ${address}`);
  }
}
