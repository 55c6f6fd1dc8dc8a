import { backoffMs, decideRetry, DEFAULT_RETRY, drawFor, MAX_DEFERRALS } from './retry';

const settings = { maxAttempts: 5, initialMs: 1_000, maxMs: 10_000, factor: 2 };

describe('backoff', () => {
  it.each([
    // ceiling = min(max, initial × factor^(attempt−1)); wait = floor(draw × ceiling)
    [1, 0.5, 500], // 0.5 × 1000
    [2, 0.5, 1_000], // 0.5 × 2000
    [4, 0.5, 4_000], // 0.5 × 8000
    [5, 0.5, 5_000], // 0.5 × min(10000, 16000)
    [9, 0.999, 9_990], // capped at 10000
    [3, 0, 0], // full jitter may retry at once
  ])('attempt %d with draw %d waits %d ms', (attempt, draw, ms) => {
    expect(backoffMs(settings, attempt, draw)).toBe(ms);
  });
});

describe('decideRetry', () => {
  it('retryable: retries until maxAttempts, counting attempts', () => {
    expect(decideRetry({ kind: 'retryable' }, 1, 0, settings, 0.5)).toEqual({ retry: true, countsAsAttempt: true, delayMs: 500 });
    expect(decideRetry({ kind: 'retryable' }, 5, 0, settings, 0.5)).toEqual({ retry: false });
  });

  it('rate_limited honours Retry-After even when the backoff is shorter, and the backoff when longer', () => {
    expect(decideRetry({ kind: 'rate_limited', retryAfterMs: 30_000 }, 1, 0, settings, 0.5)).toEqual({ retry: true, countsAsAttempt: true, delayMs: 30_000 });
    expect(decideRetry({ kind: 'rate_limited', retryAfterMs: 10 }, 4, 0, settings, 0.5)).toEqual({ retry: true, countsAsAttempt: true, delayMs: 4_000 });
    expect(decideRetry({ kind: 'rate_limited' }, 1, 0, settings, 0.5)).toEqual({ retry: true, countsAsAttempt: true, delayMs: 500 });
    expect(decideRetry({ kind: 'rate_limited', retryAfterMs: 10 }, 5, 0, settings, 0.5)).toEqual({ retry: false });
  });

  it.each(['fatal', 'auth'] as const)('%s never retries', (kind) => {
    expect(decideRetry({ kind }, 1, 0, settings, 0.5)).toEqual({ retry: false });
  });

  it('circuit_open defers without counting, honouring the breaker hint, up to a bound', () => {
    expect(decideRetry({ kind: 'circuit_open', retryAfterMs: 7_000 }, 5, 0, settings, 0.5)).toEqual({ retry: true, countsAsAttempt: false, delayMs: 7_000 });
    const d = decideRetry({ kind: 'circuit_open' }, 1, 2, settings, 0);
    // deferral ceiling 1 s × 2^2 = 4 s, with the draw folded into [0.5, 1): 0.5 × 4000
    expect(d).toEqual({ retry: true, countsAsAttempt: false, delayMs: 2_000 });
    expect(decideRetry({ kind: 'circuit_open' }, 1, MAX_DEFERRALS, settings, 0.5)).toEqual({ retry: false });
  });

  it('defaults allow the spec example (429 twice then 200) to succeed', () => {
    expect(DEFAULT_RETRY.maxAttempts).toBeGreaterThanOrEqual(3);
  });
});

describe('drawFor', () => {
  it('is deterministic, in [0, 1), and spread', () => {
    const draws = Array.from({ length: 1_000 }, (_, i) => drawFor(42, `post#${i}`));
    expect(draws).toEqual(Array.from({ length: 1_000 }, (_, i) => drawFor(42, `post#${i}`)));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    expect(mean).toBeGreaterThan(0.45); // uniform mean 0.5; 1000 draws put it within ±0.05
    expect(mean).toBeLessThan(0.55);
    expect(drawFor(1, 'post#1')).not.toBe(drawFor(2, 'post#1'));
  });
});
