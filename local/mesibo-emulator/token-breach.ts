/**
 * mesibo disables an app whose backend API is called from more than five IP addresses
 * (TOKENBREACH). Off by default; once tripped, every later call fails, from any IP, until the rule
 * is switched or the emulator is reset.
 */
export const MAX_CALLER_IPS = 5;

export class TokenBreachGuard {
  private readonly ips = new Set<string>();
  private tripped = false;

  constructor(private enabled: boolean) {}

  /** Switching the rule (either way) starts counting afresh. */
  setEnabled(enabled: boolean): void {
    if (enabled === this.enabled) return;
    this.enabled = enabled;
    this.forget();
  }

  forget(): void {
    this.ips.clear();
    this.tripped = false;
  }

  /**
   * Records a call made with the valid app token; true when the app is (now) disabled. The call
   * that brings a sixth IP is itself refused: that is the call mesibo detects as the breach.
   */
  breached(ip: string): boolean {
    if (!this.enabled) return false;
    if (this.tripped) return true;
    this.ips.add(ip);
    if (this.ips.size > MAX_CALLER_IPS) this.tripped = true;
    return this.tripped;
  }

  view(): { enabled: boolean; tripped: boolean; ips: string[] } {
    return { enabled: this.enabled, tripped: this.tripped, ips: [...this.ips] };
  }
}
