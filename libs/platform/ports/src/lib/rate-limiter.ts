import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** A fixed window of `points` per `windowSec` seconds; `name` names it in responses (RateLimit-Policy). */
export interface RateLimitPolicy {
  name: string;
  points: number;
  windowSec: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** The policy's points per window. */
  limit: number;
  remaining: number;
  /** Until the window ends and the points come back, ms. */
  resetMs: number;
  /** 0 when allowed; otherwise how long until a call of the same cost may pass, ms (≥ 1). */
  retryAfterMs: number;
}

/**
 * Counts calls per key against one policy. Adapters: Redis (shared by every replica), in-process
 * (standalone mode; also the Redis adapter's stand-in while Redis is away).
 */
export interface RateLimiter {
  readonly policy: RateLimitPolicy;
  /** Takes `cost` points (default 1); a refused call takes nothing from a later window. */
  consume(key: string, cost?: number): Promise<RateLimitDecision>;
  /** Gives back points an attempt took, for a call that turned out not to count (a successful login). */
  refund(key: string, points?: number): Promise<void>;
  /** Forgets the key: its next call starts a fresh window. */
  reset(key: string): Promise<void>;
  /** The key's state without taking anything. */
  peek(key: string): Promise<RateLimitDecision>;
}

/** Makes limiters; each policy name is its own key space. */
export interface RateLimiters {
  create(policy: RateLimitPolicy): RateLimiter;
}

export const RATE_LIMITERS = Symbol('RateLimiters');

/** Shared by the adapters: one rate-limiter-flexible limiter behind the port. */
export class FlexibleRateLimiter implements RateLimiter {
  constructor(
    readonly policy: RateLimitPolicy,
    private readonly limiter: RateLimiterAbstract,
  ) {}

  async consume(key: string, cost = 1): Promise<RateLimitDecision> {
    try {
      return this.decision(await this.limiter.consume(key, cost), true);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return this.decision(rejection, false);
      throw rejection;
    }
  }

  async refund(key: string, points = 1): Promise<void> {
    await this.limiter.reward(key, points);
  }

  async reset(key: string): Promise<void> {
    await this.limiter.delete(key);
  }

  async peek(key: string): Promise<RateLimitDecision> {
    const res = await this.limiter.get(key);
    if (!res) return { allowed: true, limit: this.policy.points, remaining: this.policy.points, resetMs: 0, retryAfterMs: 0 };
    return this.decision(res, res.consumedPoints < this.policy.points);
  }

  private decision(res: RateLimiterRes, allowed: boolean): RateLimitDecision {
    const resetMs = Math.max(0, res.msBeforeNext);
    return {
      allowed,
      limit: this.policy.points,
      remaining: Math.max(0, Math.min(this.policy.points, this.policy.points - res.consumedPoints)),
      resetMs,
      retryAfterMs: allowed ? 0 : Math.max(1, resetMs),
    };
  }
}

/**
 * In-process limiters (rate-limiter-flexible's memory store). Each key is dropped when its window
 * ends, so the store holds at most the keys seen within one window.
 */
export class MemoryRateLimiters implements RateLimiters {
  create(policy: RateLimitPolicy): RateLimiter {
    return new FlexibleRateLimiter(policy, memoryLimiter(policy));
  }
}

export function memoryLimiter(policy: RateLimitPolicy): RateLimiterMemory {
  assertPolicy(policy);
  return new RateLimiterMemory({ keyPrefix: policy.name, points: policy.points, duration: policy.windowSec });
}

export function assertPolicy(policy: RateLimitPolicy): void {
  if (!/^[a-z][a-z0-9-]{0,40}$/.test(policy.name)) throw new Error(`rate limit policy name ${JSON.stringify(policy.name)} must be lower-case letters, digits and -`);
  if (!Number.isInteger(policy.points) || policy.points < 1) throw new Error(`rate limit policy ${policy.name}: points must be a positive integer`);
  if (!Number.isInteger(policy.windowSec) || policy.windowSec < 1) throw new Error(`rate limit policy ${policy.name}: windowSec must be a positive integer`);
}
