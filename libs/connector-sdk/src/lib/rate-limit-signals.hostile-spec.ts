import { FakeThirdParty } from '../testing/fake-third-party';
import { AddressPolicy } from './address-policy';
import { AuthError, MAX_RATE_LIMIT_WAIT_MS, RateLimitedError, errorFromResponse, parseRateLimitReset } from './errors';
import { FencedHttpClient } from './http-client';

/**
 * Hostile tier: rate-limit headers come from the third party, and a recipe's own endpoint is a
 * third party its author controls. Whatever they say, the wait is a finite number between 0 and
 * the cap, a garbled header falls back to the ordinary backoff, and no header turns refused
 * credentials into a retry loop.
 */
describe('rate-limit signals a hostile provider would send (hostile)', () => {
  const api = new FakeThirdParty();
  const http = new FencedHttpClient({ policy: new AddressPolicy(['127.0.0.1']) });

  beforeAll(() => api.start());
  afterAll(async () => {
    await api.close();
    await http.close();
  });

  async function answer(status: number, headers: Record<string, string>) {
    api.on('GET', '/limit', { status, headers, json: { message: 'slow down' } });
    const res = await http.request({ method: 'GET', url: `${api.url}/limit` });
    return errorFromResponse(res.status, res.headers, res.body);
  }

  it.each<[string, number, Record<string, string>]>([
    ['a reset in the year 5138', 403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '99999999999' }],
    ['a Retry-After of 400 digits', 429, { 'retry-after': '9'.repeat(400) }],
    ['a reset of 400 digits', 403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '9'.repeat(400) }],
    ['a Retry-After date in the year 9999', 429, { 'retry-after': 'Fri, 31 Dec 9999 23:59:59 GMT' }],
  ])('caps %s (HTTP %i) at the longest wait, a finite number', async (_what, status, headers) => {
    const error = await answer(status, headers);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(MAX_RATE_LIMIT_WAIT_MS);
  });

  it.each<[string, Record<string, string>, number]>([
    ['a reset already past', { 'x-ratelimit-reset': '1000000000' }, 0],
    ['a negative reset', { 'x-ratelimit-reset': '-30' }, 1000],
    ['an exponent', { 'x-ratelimit-reset': '1e309' }, 1000],
    ['hex', { 'ratelimit-reset': '0x7fffffff' }, 1000],
    ['Infinity', { 'ratelimit-reset': 'Infinity', 'retry-after': 'NaN' }, 1000],
  ])('reads %s on a 429 as a finite wait, never negative or NaN', async (_what, headers, expected) => {
    const error = await answer(429, headers);
    expect(error).toMatchObject({ kind: 'rate_limited', retryAfterMs: expected });
  });

  it('does not let a lying Date header stretch or shrink an epoch reset', () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    const reset = String(now / 1000 + 30);
    expect(parseRateLimitReset({ date: 'Thu, 01 Jan 1970 00:00:00 GMT', 'x-ratelimit-reset': reset }, now)).toBe(30_000);
    expect(parseRateLimitReset({ date: 'Fri, 31 Dec 9999 23:59:59 GMT', 'x-ratelimit-reset': reset }, now)).toBe(30_000);
    expect(parseRateLimitReset({ date: 'yesterday', 'x-ratelimit-reset': reset }, now)).toBe(30_000);
  });

  it('keeps refused credentials an auth failure whatever rate-limit headers come with them', async () => {
    expect(await answer(401, { 'x-ratelimit-remaining': '0', 'retry-after': '1' })).toBeInstanceOf(AuthError);
    expect(await answer(403, { 'x-ratelimit-remaining': '00x', 'x-ratelimit-reset': '5' })).toBeInstanceOf(AuthError);
    expect(await answer(403, { 'retry-after': '1' })).toBeInstanceOf(AuthError);
  });
});
