import { randomBytes } from 'node:crypto';
import type { DistributedLock, LockHandle } from '@junction/platform/ports';
import { ExpiringMap } from './expiring-map';

export interface MemoryLockOptions {
  /** The clock, epoch ms. */
  now?: () => number;
}

/**
 * The process's `DistributedLock` in standalone mode: a lease per key, released only by its
 * holder. No cap on entries: evicting a lease still held would hand the lock to a second holder;
 * expired leases are swept out instead.
 */
export class MemoryLock implements DistributedLock {
  private readonly leases: ExpiringMap<string>;

  constructor(options: MemoryLockOptions = {}) {
    this.leases = new ExpiringMap({ maxEntries: Infinity, sweepIntervalMs: 10_000, now: options.now ?? Date.now });
  }

  async tryAcquire(key: string, ttlMs: number): Promise<LockHandle | undefined> {
    if (this.leases.get(key) !== undefined) return undefined;
    const token = randomBytes(16).toString('hex');
    this.leases.set(key, token, ttlMs);
    return {
      release: async () => {
        // a holder whose lease expired must not release the lock someone else took after it
        if (this.leases.get(key) === token) this.leases.delete(key);
      },
    };
  }
}
