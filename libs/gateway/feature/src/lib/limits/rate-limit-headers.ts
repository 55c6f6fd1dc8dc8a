import type { RateLimitDecision } from '@junction/platform/ports';

/**
 * The `RateLimit-Policy` and `RateLimit` fields of draft-ietf-httpapi-ratelimit-headers (a
 * structured-field list, one item per policy: `"name";q=<quota>;w=<window s>` and
 * `"name";r=<remaining>;t=<s until reset>`). No partition key is sent: it would name the key or
 * workspace the counter belongs to.
 */
export function rateLimitHeaders(entries: { name: string; windowSec: number; decision: RateLimitDecision }[]): Record<string, string> {
  return {
    'RateLimit-Policy': entries.map((e) => `"${e.name}";q=${e.decision.limit};w=${e.windowSec}`).join(', '),
    RateLimit: entries.map((e) => `"${e.name}";r=${e.decision.remaining};t=${Math.ceil(e.decision.resetMs / 1000)}`).join(', '),
  };
}

/** Whole seconds for `Retry-After`, never 0 (a client told 0 retries at once). */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
