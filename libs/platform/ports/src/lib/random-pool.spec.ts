import { randomFraction, randomHex } from './random-pool';

describe('the shared random pool', () => {
  it('draws fractions in [0, 1) that cover the range', () => {
    const draws = Array.from({ length: 10_000 }, () => randomFraction());
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    // 32 buckets (one per ULID character): each is hit (chance of a miss ≈ 32 · (31/32)^10000, nil)
    expect(new Set(draws.map((d) => Math.floor(d * 32))).size).toBe(32);
  });

  it('gives hex of the asked length, different across pool refills', () => {
    const ids = Array.from({ length: 1000 }, () => randomHex(8)); // 8 KB drawn: two refills of 4 KiB
    expect(ids.every((id) => /^[0-9a-f]{16}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
