import type { Cache } from '@junction/platform/ports';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { CACHE_ADAPTERS, type StoreWorld } from './adapters';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(CACHE_ADAPTERS)('Cache contract: $name', (adapter) => {
  let world: StoreWorld<Cache>;
  let cache: Cache;

  beforeAll(async () => {
    world = await adapter.open(TEST_SERVERS, uniqueNamespace('cachec'));
    cache = world.store;
  });

  afterAll(async () => {
    await world.dispose();
  });

  it('reads back what was set, the latest write winning, and nothing for a key never set', async () => {
    await cache.set('verdict:k1', 'ok', 10_000);
    expect(await cache.get('verdict:k1')).toBe('ok');
    await cache.set('verdict:k1', 'changed', 10_000);
    expect(await cache.get('verdict:k1')).toBe('changed');
    expect(await cache.get('verdict:never')).toBeUndefined();
  });

  it('expires a value after its ttl, after which setIfAbsent may take the key again', async () => {
    await cache.set('short', 'v', 100);
    expect(await cache.setIfAbsent('short-nx', 'first', 100)).toBe(true);
    expect(await cache.get('short')).toBe('v');
    await sleep(250);
    expect(await cache.get('short')).toBeUndefined();
    expect(await cache.setIfAbsent('short-nx', 'second', 10_000)).toBe(true);
    expect(await cache.get('short-nx')).toBe('second');
  });

  it('setIfAbsent sets once and leaves the first value in place', async () => {
    expect(await cache.setIfAbsent('idem:1', 'first', 10_000)).toBe(true);
    expect(await cache.setIfAbsent('idem:1', 'second', 10_000)).toBe(false);
    expect(await cache.get('idem:1')).toBe('first');
  });

  it('gives a key to exactly one of 100 concurrent setIfAbsent calls', async () => {
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => cache.setIfAbsent('race', `caller-${i}`, 10_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await cache.get('race')).toBe(`caller-${results.indexOf(true)}`);
  });

  it('deletes a key, so setIfAbsent takes it again; deleting a missing key is no error', async () => {
    await cache.set('gone', 'v', 10_000);
    await cache.delete('gone');
    expect(await cache.get('gone')).toBeUndefined();
    expect(await cache.setIfAbsent('gone', 'again', 10_000)).toBe(true);
    await expect(cache.delete('never-there')).resolves.toBeUndefined();
  });

  it.each([0, -5])('refuses a ttl of %i ms', async (ttlMs) => {
    await expect(cache.set('bad-ttl', 'v', ttlMs)).rejects.toThrow();
    await expect(cache.setIfAbsent('bad-ttl', 'v', ttlMs)).rejects.toThrow();
    expect(await cache.get('bad-ttl')).toBeUndefined();
  });
});
