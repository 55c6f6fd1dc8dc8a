import { decodeTime, isValid } from 'ulid';
import { newJobId } from './job-ids';

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
});
