/**
 * How a failed attempt is classified, decided by the connector SDK from the outcome of the call:
 * network errors, timeouts, 408 and 5xx are `retryable`; 429 is `rate_limited` (with the
 * `Retry-After` it carried); other 4xx are `fatal`; credentials the provider refused are `auth`;
 * a call refused by an open circuit breaker is `circuit_open` (nothing was sent). `uncertain` is the
 * executor's: a crash cut a call to an action that may act twice, so whether it ran is unknown and it
 * is not sent again (the effect ledger; never retried, never caught by a `try`).
 */
export type StepErrorKind = 'retryable' | 'rate_limited' | 'fatal' | 'auth' | 'circuit_open' | 'throttled' | 'uncertain';

export interface RetrySettings {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  initialMs: number;
  maxMs: number;
  factor: number;
}

/** Applied to action and callRecipe steps without a `retry` of their own. */
export const DEFAULT_RETRY: RetrySettings = { maxAttempts: 5, initialMs: 500, maxMs: 60_000, factor: 2 };

/** An open circuit defers a step at most this many times (bounded further by the job's deadline). */
export const MAX_DEFERRALS = 100;
const DEFERRAL_BASE_MS = 1_000;
const DEFERRAL_MAX_MS = 60_000;

export type RetryDecision = { retry: true; delayMs: number; countsAsAttempt: boolean } | { retry: false };

/** Full jitter: a uniform draw in [0, min(max, initial × factor^(attempt−1))), in ms. */
export function backoffMs(settings: RetrySettings, attempt: number, draw: number): number {
  const ceiling = Math.min(settings.maxMs, settings.initialMs * Math.pow(settings.factor, Math.max(0, attempt - 1)));
  return Math.floor(draw * ceiling);
}

/**
 * What to do after attempt `attempt` (1-based) failed with `kind`. A rate-limited attempt waits at
 * least `retryAfterMs` (the provider's word) and at least its jittered backoff; an open circuit
 * waits without spending an attempt.
 */
export function decideRetry(error: { kind: StepErrorKind; retryAfterMs?: number }, attempt: number, deferrals: number, settings: RetrySettings, draw: number): RetryDecision {
  const retryAfter = typeof error.retryAfterMs === 'number' && error.retryAfterMs >= 0 ? error.retryAfterMs : undefined;
  switch (error.kind) {
    // throttled (the connection's own rate limit): nothing was sent, so it defers like an open breaker
    case 'circuit_open':
    case 'throttled':
      if (deferrals >= MAX_DEFERRALS) return { retry: false };
      return {
        retry: true,
        countsAsAttempt: false,
        delayMs: retryAfter ?? backoffMs({ maxAttempts: 0, initialMs: DEFERRAL_BASE_MS, maxMs: DEFERRAL_MAX_MS, factor: 2 }, deferrals + 1, 0.5 + draw / 2),
      };
    case 'rate_limited':
      if (attempt >= settings.maxAttempts) return { retry: false };
      return { retry: true, countsAsAttempt: true, delayMs: Math.max(retryAfter ?? 0, backoffMs(settings, attempt, draw)) };
    case 'retryable':
      if (attempt >= settings.maxAttempts) return { retry: false };
      return { retry: true, countsAsAttempt: true, delayMs: backoffMs(settings, attempt, draw) };
    case 'fatal':
    case 'auth':
    case 'uncertain':
      return { retry: false };
  }
}

/**
 * A deterministic draw in [0, 1) for (seed, key): the jitter of a retry is part of the job's
 * state, not of the machine, so replaying a checkpoint waits the same time. FNV-1a then the
 * murmur3 finaliser to spread similar keys.
 */
export function drawFor(seed: number, key: string): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 0x1_0000_0000;
}

/** A job's jitter seed, derived from its id so that a job started twice draws the same. */
export function seedFor(jobId: string): number {
  return Math.floor(drawFor(0, jobId) * 0x1_0000_0000);
}
