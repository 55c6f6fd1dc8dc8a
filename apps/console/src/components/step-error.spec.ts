import { jobsQuery } from '../api/job-range';
import { redactedCount, stepWait, thirdPartyResponse } from './step-error';

describe("a step's error and waits", () => {
  it("reads the third party's status and body", () => {
    expect(thirdPartyResponse({ kind: 'fatal', message: 'HTTP 400', details: { status: 400, responseBody: { error: 'bad' } } })).toEqual({ status: 400, body: { error: 'bad' } });
    expect(thirdPartyResponse({ kind: 'fatal', message: 'no answer' })).toBeUndefined();
    expect(thirdPartyResponse('a plain message')).toBeUndefined();
  });

  it('names the wait by the error kind, and measures it to the next attempt', () => {
    expect(stepWait({ kind: 'circuit_open', message: 'open' })).toEqual({ reason: 'Circuit open' });
    expect(stepWait({ kind: 'rate_limited', message: '429' }, '2026-12-07T10:00:00.000Z', '2026-12-07T10:00:01.250Z')).toEqual({
      reason: 'Rate limited (Retry-After)',
      waitedMs: 1250,
    });
    expect(stepWait({ kind: 'retryable', message: '503' }, '2026-12-07T10:00:00.000Z')).toEqual({ reason: 'Retry backoff' });
    expect(stepWait(undefined)).toEqual({ reason: 'Retry backoff' });
    // the third party's Retry-After as recorded, beside the time actually waited
    expect(stepWait({ kind: 'rate_limited', message: '429', retryAfterMs: 2000 }, '2026-12-07T10:00:00.000Z', '2026-12-07T10:00:02.100Z')).toEqual({
      reason: 'Rate limited (Retry-After)',
      waitedMs: 2100,
      askedMs: 2000,
    });
    expect(stepWait({ kind: 'rate_limited', message: '429', retryAfterMs: 'soon' })).toEqual({ reason: 'Rate limited (Retry-After)' });
  });

  it('counts redacted values at any depth', () => {
    expect(redactedCount({ a: '[redacted]', b: [{ c: '[redacted]' }, 'x'], d: null })).toBe(2);
    expect(redactedCount('[redacted]')).toBe(1);
  });
});

describe('the jobs time range', () => {
  it('becomes since, back from now; no range, no since', () => {
    const now = Date.parse('2026-12-07T12:00:00Z');
    expect(Object.fromEntries(jobsQuery({ status: 'failed', range: '1h' }, now))).toEqual({ limit: '50', status: 'failed', since: '2026-12-07T11:00:00.000Z' });
    expect(Object.fromEntries(jobsQuery({ range: 'bogus', cursor: 'c1' }, now))).toEqual({ limit: '50', cursor: 'c1' });
  });
});
