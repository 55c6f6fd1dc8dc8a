import { MemoryCache } from './memory-cache';
import { MemoryLock } from './memory-lock';

/** A clock the test moves by hand, epoch ms. */
function manualClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('MemoryCache bounds', () => {
  it('evicts the oldest write first once it holds maxEntries', async () => {
    const cache = new MemoryCache({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) await cache.set(key, key, 60_000);
    await cache.set('a', 'a again', 60_000); // rewritten: now the newest
    await cache.set('d', 'd', 60_000);
    await cache.setIfAbsent('e', 'e', 60_000);
    expect(cache.size).toBe(3);
    expect(await Promise.all(['a', 'b', 'c', 'd', 'e'].map((k) => cache.get(k)))).toEqual(['a again', undefined, undefined, 'd', 'e']);
  });

  it('stays at its cap under a flood of distinct keys', async () => {
    const cache = new MemoryCache({ maxEntries: 1000 });
    for (let i = 0; i < 20_000; i++) await cache.setIfAbsent(`flood:${i}`, 'x', 60_000);
    expect(cache.size).toBe(1000);
    expect(await cache.get('flood:19999')).toBe('x');
    expect(await cache.get('flood:0')).toBeUndefined();
  });

  it('never returns an expired value, and sweeps expired entries out on a write once the interval passed', async () => {
    const clock = manualClock();
    const cache = new MemoryCache({ sweepIntervalMs: 1000, now: clock.now });
    for (let i = 0; i < 50; i++) await cache.set(`short:${i}`, 'v', 100);
    await cache.set('long', 'v', 60_000);
    clock.advance(100);
    expect(await cache.get('short:0')).toBeUndefined(); // expired at exactly its ttl
    expect(cache.size).toBe(50); // the other 49 wait for a sweep
    clock.advance(900);
    await cache.set('trigger', 'v', 60_000);
    expect(cache.size).toBe(2);
    expect(await cache.get('long')).toBe('v');
  });

  it('refuses a ttl that is not a positive whole number of ms', async () => {
    const cache = new MemoryCache();
    await expect(cache.set('k', 'v', 1.5)).rejects.toThrow(/ttl/);
    await expect(cache.setIfAbsent('k', 'v', Number.NaN)).rejects.toThrow(/ttl/);
  });

  it('refuses a cap below one entry', () => {
    expect(() => new MemoryCache({ maxEntries: 0 })).toThrow(/maxEntries/);
  });
});

describe('MemoryLock leases', () => {
  it('holds a lease until exactly its ttl, then hands the key to the next contender', async () => {
    const clock = manualClock();
    const lock = new MemoryLock({ now: clock.now });
    const first = await lock.tryAcquire('job', 1000);
    clock.advance(999);
    expect(await lock.tryAcquire('job', 1000)).toBeUndefined();
    clock.advance(1);
    const second = await lock.tryAcquire('job', 1000);
    expect(second).toBeDefined();
    await first?.release(); // expired: must not free the second holder's lease
    expect(await lock.tryAcquire('job', 1000)).toBeUndefined();
    await second?.release();
    expect(await lock.tryAcquire('job', 1000)).toBeDefined();
  });
});
