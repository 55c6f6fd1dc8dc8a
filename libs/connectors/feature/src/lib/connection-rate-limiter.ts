import type { RateLimiter, RateLimiters } from '@junction/platform/ports';

/**
 * A budget per connection, shared by every connectors-service replica (through the rate limiter
 * port: Redis in the cluster, in-process in standalone mode), so the third party sees at most
 * `perSecond` calls a second from all of them together.
 */
export class ConnectionRateLimiter {
  private readonly limiter: RateLimiter;

  constructor(limiters: RateLimiters, perSecond: number) {
    this.limiter = limiters.create({ name: 'conn', points: perSecond, windowSec: 1 });
  }

  /** Undefined when the call may go now; otherwise ms to wait before trying again. */
  async take(key: string): Promise<number | undefined> {
    const decision = await this.limiter.consume(key, 1);
    return decision.allowed ? undefined : decision.retryAfterMs;
  }
}
