export interface ExpiringMapOptions {
  /** Entries held at most; past it the oldest written goes first. Infinity: no cap. */
  maxEntries: number;
  /** How often, at most, a write also sweeps out every expired entry, ms. */
  sweepIntervalMs: number;
  /** The clock, epoch ms (injectable for tests). */
  now: () => number;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
}

/**
 * A map whose entries lapse after their TTL. Expired entries are never returned, and are swept
 * out on a write at most once per interval (no timer to stop); a cap evicts the oldest write
 * first, so no flood of keys can grow it without bound.
 */
export class ExpiringMap<V> {
  // a Map iterates in insertion order, and every write re-inserts: the first entry is the oldest write
  private readonly entries = new Map<string, Entry<V>>();
  private nextSweepAt: number;

  constructor(private readonly options: ExpiringMapOptions) {
    if (!(options.maxEntries >= 1)) throw new RangeError(`maxEntries must be at least 1, not ${options.maxEntries}`);
    this.nextSweepAt = options.now() + options.sweepIntervalMs;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.options.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, ttlMs: number): void {
    if (!Number.isInteger(ttlMs) || ttlMs < 1) throw new RangeError(`ttl must be a positive whole number of ms, not ${ttlMs}`);
    const now = this.options.now();
    if (now >= this.nextSweepAt) this.sweep(now);
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: now + ttlMs });
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    this.nextSweepAt = now + this.options.sweepIntervalMs;
  }
}
