/** Metrics kept in memory: nothing printed, every count assertable. */
export class CountingMetrics<Name extends string> {
  readonly totals = new Map<Name, number>();
  count(name: Name, value = 1) {
    this.totals.set(name, (this.totals.get(name) ?? 0) + value);
  }
  flush() {}
  get(name: Name) {
    return this.totals.get(name) ?? 0;
  }
}
