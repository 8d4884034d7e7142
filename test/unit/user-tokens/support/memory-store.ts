/**
 * An in-memory TokenStore with the same conditional-write rules as the DynamoDB one: one slot per
 * (address, appid) holding the token, a tombstone date and the lease. Each operation yields to the
 * event loop first, so concurrent requests interleave as they would over the network.
 */
import type {
  CacheEntry,
  Lease,
  LeaseAttempt,
  LeaseFailure,
  TokenRecord,
  TokenStore,
} from '../../../../shared/user-tokens/ports';

type Slot = { record?: TokenRecord; revokedAt?: number; lease?: Lease };

export class MemoryTokenStore implements TokenStore {
  readonly slots = new Map<string, Slot>();
  readonly writes: string[] = [];

  private key = (address: string, appid: string) => `${address}\u0000${appid}`;
  private tick = () => new Promise<void>((resolve) => setImmediate(resolve));
  private entry = (slot: Slot | undefined): CacheEntry => ({
    ...(slot?.record ? { record: { ...slot.record } } : {}),
    ...(slot?.lease ? { lease: { ...slot.lease } } : {}),
  });

  /** Leases currently recorded, live or not. */
  get leases(): Lease[] {
    return [...this.slots.values()].flatMap((s) => (s.lease ? [s.lease] : []));
  }

  seed(record: TokenRecord): void {
    this.slots.set(this.key(record.address, record.appid), { record: { ...record } });
  }

  async get(address: string, appid: string): Promise<CacheEntry> {
    await this.tick();
    return this.entry(this.slots.get(this.key(address, appid)));
  }

  async tryAcquireLease(
    address: string,
    appid: string,
    lease: Omit<Lease, 'failure'>,
    { now, seenIssuedAt }: { now: number; seenIssuedAt: number | undefined },
  ): Promise<LeaseAttempt> {
    await this.tick();
    const key = this.key(address, appid);
    const slot = this.slots.get(key) ?? {};
    const held = slot.lease && slot.lease.expiresAt > now && !slot.lease.failure;
    if (held || slot.record?.issuedAt !== seenIssuedAt) return { acquired: false, entry: this.entry(slot) };
    this.slots.set(key, { ...slot, lease: { ...lease } });
    this.writes.push(`lease ${key}`);
    return { acquired: true };
  }

  async storeIssued(record: TokenRecord, guard: { owner: string; startedAt: number }): Promise<boolean> {
    await this.tick();
    const key = this.key(record.address, record.appid);
    const slot = this.slots.get(key);
    if (slot?.lease?.owner !== guard.owner) return false;
    if (slot.revokedAt !== undefined && slot.revokedAt >= guard.startedAt) return false;
    this.slots.set(key, { record: { ...record } });
    this.writes.push(`put ${key}`);
    return true;
  }

  async releaseLease(address: string, appid: string, owner: string): Promise<void> {
    await this.tick();
    const slot = this.slots.get(this.key(address, appid));
    if (slot?.lease?.owner === owner) delete slot.lease;
  }

  async failLease(address: string, appid: string, owner: string, failure: LeaseFailure, until: number) {
    await this.tick();
    const lease = this.slots.get(this.key(address, appid))?.lease;
    if (lease?.owner === owner) Object.assign(lease, { failure, expiresAt: until });
  }

  async revoke(address: string, appids: readonly string[], at: number): Promise<void> {
    await this.tick();
    const cached = [...this.slots.keys()].filter((k) => k.startsWith(`${address}\u0000`));
    for (const key of new Set([...appids.map((a) => this.key(address, a)), ...cached])) {
      this.slots.set(key, { revokedAt: at });
      this.writes.push(`revoke ${key}`);
    }
  }
}
