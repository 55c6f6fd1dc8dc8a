import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { RedisCache } from './redis-cache';
import { RedisLock } from './redis-lock';
import { Redis } from 'ioredis';
import { connectRedis } from './redis.module';

describe('Redis adapters (real Redis)', () => {
  const namespace = uniqueNamespace('redis');
  let redis: Redis;
  const raw = new Redis(TEST_SERVERS.redis, { lazyConnect: true }); // no prefix: sees the real key names
  let cache: RedisCache;
  let lock: RedisLock;

  beforeAll(async () => {
    redis = await connectRedis({ url: TEST_SERVERS.redis, namespace });
    cache = new RedisCache(redis);
    lock = new RedisLock(redis);
  });

  afterAll(async () => {
    const keys = await raw.keys(`${namespace}:*`);
    if (keys.length) await raw.del(...keys);
    await raw.quit();
    await redis.quit();
  });

  it('keeps every key under the namespace prefix', async () => {
    await cache.set('verdict:k1', 'ok', 10_000);
    expect(await cache.get('verdict:k1')).toBe('ok');
    expect(await raw.exists(`${namespace}:verdict:k1`)).toBe(1);
  });

  it('expires values after their ttl', async () => {
    await cache.set('short', 'v', 100);
    await new Promise((r) => setTimeout(r, 250));
    expect(await cache.get('short')).toBeUndefined();
  });

  it('setIfAbsent sets once', async () => {
    expect(await cache.setIfAbsent('idem:1', 'first', 10_000)).toBe(true);
    expect(await cache.setIfAbsent('idem:1', 'second', 10_000)).toBe(false);
    expect(await cache.get('idem:1')).toBe('first');
  });

  it('gives a lock to one of many concurrent contenders', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => lock.tryAcquire('refresh:conn1', 5000)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('does not let an expired holder release the lock its successor took', async () => {
    const first = await lock.tryAcquire('job:7', 100);
    expect(first).toBeDefined();
    await new Promise((r) => setTimeout(r, 200));
    const second = await lock.tryAcquire('job:7', 5000);
    expect(second).toBeDefined();
    await first?.release();
    expect(await lock.tryAcquire('job:7', 5000)).toBeUndefined(); // still held by the second
    await second?.release();
    expect(await lock.tryAcquire('job:7', 5000)).toBeDefined();
  });
});
