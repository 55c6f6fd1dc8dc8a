import { AuthError, FatalError, RateLimitedError, RetryableError, errorFromResponse, parseRateLimitReset, parseRetryAfter, rateLimitExhausted } from './errors';

describe('errorFromResponse: the one status → kind mapping', () => {
  it.each([
    [200, undefined],
    [302, undefined],
    [400, FatalError],
    [404, FatalError],
    [422, FatalError],
    [401, AuthError],
    [403, AuthError],
    [408, RetryableError],
    [429, RateLimitedError],
    [500, RetryableError],
    [502, RetryableError],
    [503, RetryableError],
  ])('HTTP %i → %p', (status, kind) => {
    const error = errorFromResponse(status, {}, { message: 'x' });
    if (kind === undefined) expect(error).toBeUndefined();
    else expect(error).toBeInstanceOf(kind);
  });

  it('keeps the response body and status on the error', () => {
    const error = errorFromResponse(400, {}, { field: 'email', problem: 'taken' });
    expect(error).toMatchObject({ status: 400, responseBody: { field: 'email', problem: 'taken' }, kind: 'fatal' });
  });

  it('treats 503 with Retry-After as a rate limit with that delay', () => {
    expect(errorFromResponse(503, { 'retry-after': '7' }, '')).toMatchObject({ kind: 'rate_limited', retryAfterMs: 7000 });
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('treats a 403 with the quota spent as a rate limit until the reset, and a 403 with quota left as auth', () => {
    const reset = Math.floor(Date.now() / 1000) + 120;
    const limited = errorFromResponse(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }, { message: 'API rate limit exceeded' });
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect((limited as RateLimitedError).retryAfterMs).toBeGreaterThan(115_000);
    expect((limited as RateLimitedError).retryAfterMs).toBeLessThanOrEqual(120_000);
    expect(errorFromResponse(403, { 'x-ratelimit-remaining': '4999', 'x-ratelimit-reset': String(reset) }, { message: 'Bad credentials' })).toBeInstanceOf(AuthError);
    expect(errorFromResponse(401, { 'x-ratelimit-remaining': '0' }, {})).toBeInstanceOf(AuthError);
  });

  it('waits a minute for a spent quota with no readable reset, and prefers Retry-After over the reset', () => {
    expect(errorFromResponse(403, { 'ratelimit-remaining': '0' }, {})).toMatchObject({ kind: 'rate_limited', retryAfterMs: 60_000 });
    expect(errorFromResponse(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '9', 'retry-after': '3' }, {})).toMatchObject({ retryAfterMs: 3000 });
  });

  it('gives a 429 without Retry-After the wait of its reset header: epoch seconds or seconds from now', () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    expect(parseRateLimitReset({ 'x-ratelimit-reset': String(now / 1000 + 30) }, now)).toBe(30_000);
    expect(parseRateLimitReset({ 'ratelimit-reset': '45' }, now)).toBe(45_000);
    expect(parseRateLimitReset({}, now)).toBeUndefined();
    expect(errorFromResponse(429, { 'ratelimit-reset': '5' }, {})).toMatchObject({ kind: 'rate_limited', retryAfterMs: 5000 });
    expect(errorFromResponse(429, {}, {})).toMatchObject({ kind: 'rate_limited', retryAfterMs: 1000 });
  });

  it('measures an epoch reset against the provider’s Date, so a skewed local clock does not retry early', () => {
    const ours = Date.parse('2026-11-25T12:00:00Z');
    const theirs = ours + 5 * 60_000; // the provider runs five minutes ahead
    const headers = { date: new Date(theirs).toUTCString(), 'x-ratelimit-reset': String(theirs / 1000 + 30) };
    expect(parseRateLimitReset(headers, ours)).toBe(30_000);
  });

  it('reads the quota as spent only for a zero', () => {
    expect(rateLimitExhausted({ 'x-ratelimit-remaining': '0' })).toBe(true);
    expect(rateLimitExhausted({ 'x-ratelimit-remaining': '1' })).toBe(false);
    expect(rateLimitExhausted({ 'x-ratelimit-remaining': '' })).toBe(false);
    expect(rateLimitExhausted({})).toBe(false);
  });
});
