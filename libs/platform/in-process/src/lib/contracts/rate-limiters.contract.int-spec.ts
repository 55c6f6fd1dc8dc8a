import type { RateLimiters } from '@junction/platform/ports';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { RATE_LIMITER_ADAPTERS, type StoreWorld } from './adapters';

describe.each(RATE_LIMITER_ADAPTERS)('RateLimiters contract: $name', (adapter) => {
  let world: StoreWorld<RateLimiters>;
  let limiters: RateLimiters;

  beforeAll(async () => {
    world = await adapter.open(TEST_SERVERS, uniqueNamespace('rlimc'));
    limiters = world.store;
  });

  afterAll(async () => {
    await world.dispose();
  });

  it('allows the policy’s points per key and window, and says what is left and when it comes back', async () => {
    const limiter = limiters.create({ name: 'consume', points: 4, windowSec: 30 });
    const decisions = await Promise.all(Array.from({ length: 7 }, () => limiter.consume('key-1')));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(4);
    expect(
      decisions
        .filter((d) => d.allowed)
        .map((d) => d.remaining)
        .sort(),
    ).toEqual([0, 1, 2, 3]);
    for (const d of decisions.filter((d) => !d.allowed)) {
      expect(d).toMatchObject({ limit: 4, remaining: 0 });
      // the window is 30 s and began a moment ago
      expect(d.retryAfterMs).toBeGreaterThan(25_000);
      expect(d.retryAfterMs).toBeLessThanOrEqual(30_000);
    }
    expect(await limiter.consume('key-2')).toMatchObject({ allowed: true, limit: 4, remaining: 3, retryAfterMs: 0 });
    expect(await limiter.consume('key-3', 3)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await limiter.consume('key-3', 2)).toMatchObject({ allowed: false, remaining: 0 });
  });

  it('keeps each policy’s keys apart', async () => {
    const one = limiters.create({ name: 'apart-one', points: 1, windowSec: 30 });
    const two = limiters.create({ name: 'apart-two', points: 1, windowSec: 30 });
    expect((await one.consume('same-key')).allowed).toBe(true);
    expect((await two.consume('same-key')).allowed).toBe(true);
    expect((await one.consume('same-key')).allowed).toBe(false);
  });

  it('peeks without taking anything', async () => {
    const limiter = limiters.create({ name: 'peek', points: 3, windowSec: 30 });
    expect(await limiter.peek('p')).toMatchObject({ allowed: true, limit: 3, remaining: 3, retryAfterMs: 0 });
    await limiter.consume('p');
    expect(await limiter.peek('p')).toMatchObject({ allowed: true, remaining: 2 });
    expect(await limiter.peek('p')).toMatchObject({ allowed: true, remaining: 2 });
    await limiter.consume('p', 2);
    const spent = await limiter.peek('p');
    expect(spent).toMatchObject({ allowed: false, remaining: 0 });
    expect(spent.retryAfterMs).toBeGreaterThan(0);
  });

  it('refunds points and resets a key', async () => {
    const limiter = limiters.create({ name: 'refund', points: 2, windowSec: 30 });
    await limiter.consume('k');
    await limiter.consume('k');
    expect((await limiter.consume('k')).allowed).toBe(false);
    await limiter.refund('k', 2);
    expect((await limiter.peek('k')).remaining).toBeGreaterThan(0);
    expect((await limiter.consume('k')).allowed).toBe(true);
    await limiter.reset('k');
    expect(await limiter.peek('k')).toMatchObject({ allowed: true, remaining: 2 });
  });

  it('gives the points back when the window ends', async () => {
    const limiter = limiters.create({ name: 'window', points: 2, windowSec: 1 });
    expect((await limiter.consume('x')).allowed).toBe(true);
    expect((await limiter.consume('x', 1)).remaining).toBe(0);
    const refused = await limiter.consume('x');
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(1000);
    expect((await limiter.consume('y')).allowed).toBe(true);
    await new Promise((r) => setTimeout(r, refused.retryAfterMs + 50));
    expect((await limiter.consume('x')).allowed).toBe(true);
  });

  it('refuses a malformed policy at creation', () => {
    expect(() => limiters.create({ name: 'Bad Name', points: 1, windowSec: 1 })).toThrow(/name/);
    expect(() => limiters.create({ name: 'ok', points: 0, windowSec: 1 })).toThrow(/points/);
    expect(() => limiters.create({ name: 'ok', points: 1, windowSec: 0.5 })).toThrow(/windowSec/);
  });
});
