import type { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { FlexibleRateLimiter, assertPolicy, memoryLimiter, type RateLimitPolicy, type RateLimiter, type RateLimiters } from '@junction/platform/ports';

/**
 * Limiters counted in Redis, so every replica shares one budget per key. While Redis is away each
 * limiter falls back to an in-process one of the same policy (a per-replica budget) rather than
 * refusing every call or letting every call through unlimited.
 */
export class RedisRateLimiters implements RateLimiters {
  constructor(private readonly redis: Redis) {}

  create(policy: RateLimitPolicy): RateLimiter {
    assertPolicy(policy);
    const limiter = new RateLimiterRedis({
      storeClient: this.redis,
      keyPrefix: `rl:${policy.name}`,
      points: policy.points,
      duration: policy.windowSec,
      // a command that waits for a reconnect would stall the request it limits
      rejectIfRedisNotReady: true,
      insuranceLimiter: memoryLimiter(policy),
    });
    return new FlexibleRateLimiter(policy, limiter);
  }
}
