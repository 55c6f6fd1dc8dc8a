import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * A token bucket per connection in Redis, shared by every connectors-service replica, so the
 * third party sees at most `perSecond` calls a second from all of them together.
 */
export class ConnectionRateLimiter {
  private readonly limiter: RateLimiterRedis;

  constructor(redis: Redis, perSecond: number) {
    this.limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: 'conn-rl', points: perSecond, duration: 1 });
  }

  /** Undefined when the call may go now; otherwise ms to wait before trying again. */
  async take(key: string): Promise<number | undefined> {
    try {
      await this.limiter.consume(key, 1);
      return undefined;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return Math.max(1, rejection.msBeforeNext);
      throw rejection;
    }
  }
}
