import { decodeTime, isValid } from 'ulid';
import { newJobId, pooledRandom } from './job-ids';

describe('job ids', () => {
  it('are prefixed, valid, time-ordered ULIDs, all different across pool refills', () => {
    const before = Date.now();
    const ids = Array.from({ length: 2000 }, () => newJobId()); // 2000 × 16 bytes: several 4 KiB refills
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id.startsWith('job_')).toBe(true);
      expect(isValid(id.slice(4))).toBe(true);
      expect(decodeTime(id.slice(4))).toBeGreaterThanOrEqual(before);
    }
  });

  it('draws fractions in [0, 1) that cover the range', () => {
    const draws = Array.from({ length: 10_000 }, () => pooledRandom());
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    // 32 buckets (one per ULID character): each is hit (chance of a miss ≈ 32 · (31/32)^10000, nil)
    expect(new Set(draws.map((d) => Math.floor(d * 32))).size).toBe(32);
  });
});
