export interface BackoffOptions {
  /** Delay after the first failure, ms. */
  baseMs: number;
  /** Longest delay, ms. */
  capMs: number;
}

export const DEFAULT_POLL_BACKOFF: BackoffOptions = { baseMs: 5_000, capMs: 15 * 60_000 };

/**
 * Delay before polling again after `failures` failures in a row, ms: exponential, capped, with
 * "equal jitter" (half fixed, half random) so a failing API is not hit by every trigger at once
 * yet never retried sooner than half the step. `random` is injected for tests.
 */
export function pollBackoffMs(failures: number, options: BackoffOptions = DEFAULT_POLL_BACKOFF, random: () => number = Math.random): number {
  if (failures <= 0) return 0;
  const step = Math.min(options.capMs, options.baseMs * 2 ** Math.min(30, failures - 1));
  return Math.floor(step / 2 + random() * (step / 2));
}
