import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { DistributedLock, LockHandle } from '@junction/platform/ports';

// Deletes the key only if it still holds our token: a holder whose lease expired must not
// release the lock someone else took after it.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** Single-instance Redis lease lock (SET NX PX + token-checked release). */
export class RedisLock implements DistributedLock {
  constructor(private readonly redis: Redis) {}

  async tryAcquire(key: string, ttlMs: number): Promise<LockHandle | undefined> {
    const lockKey = `lock:${key}`;
    const token = randomBytes(16).toString('hex');
    const ok = await this.redis.set(lockKey, token, 'PX', ttlMs, 'NX');
    if (ok !== 'OK') return undefined;
    return {
      release: async () => {
        await this.redis.eval(RELEASE, 1, lockKey, token);
      },
    };
  }
}
