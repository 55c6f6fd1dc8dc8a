import { AuthError, FatalError, RateLimitedError, RetryableError, errorFromResponse, parseRetryAfter } from './errors';

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
});
