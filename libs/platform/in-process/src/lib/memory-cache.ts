import type { Cache } from '@junction/platform/ports';
import { ExpiringMap } from './expiring-map';

export interface MemoryCacheOptions {
  /** Entries held at most; past it the oldest written is evicted (a cache is never the only copy). Default 100 000. */
  maxEntries?: number;
  /** Expired entries are swept out on a write at most this often, ms. Default 10 s. */
  sweepIntervalMs?: number;
  /** The clock, epoch ms. */
  now?: () => number;
}

/** The process's `Cache` in standalone mode: what Redis's SET PX / NX / DEL do, in a bounded map. */
export class MemoryCache implements Cache {
  private readonly map: ExpiringMap<string>;

  constructor(options: MemoryCacheOptions = {}) {
    this.map = new ExpiringMap({ maxEntries: options.maxEntries ?? 100_000, sweepIntervalMs: options.sweepIntervalMs ?? 10_000, now: options.now ?? Date.now });
  }

  /** Entries held now, expired ones not yet swept included. */
  get size(): number {
    return this.map.size;
  }

  async get(key: string): Promise<string | undefined> {
    return this.map.get(key);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.map.set(key, value, ttlMs);
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    // check and write in one synchronous step: no other call can come between them
    if (this.map.get(key) !== undefined) return false;
    this.map.set(key, value, ttlMs);
    return true;
  }

  async delete(key: string): Promise<void> {
    this.map.delete(key);
  }
}
