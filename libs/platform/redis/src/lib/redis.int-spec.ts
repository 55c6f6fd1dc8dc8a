import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { RedisCache } from './redis-cache';
import { Redis } from 'ioredis';
import { connectRedis } from './redis.module';

/*
 * Redis-specific: where the keys land. The Cache and DistributedLock contracts (TTL, setIfAbsent,
 * lock exclusivity and leases) are proved for these adapters and the in-process ones alike in
 * libs/platform/in-process/src/lib/contracts/.
 */
describe('Redis adapters (real Redis)', () => {
  const namespace = uniqueNamespace('redis');
  let redis: Redis;
  const raw = new Redis(TEST_SERVERS.redis, { lazyConnect: true }); // no prefix: sees the real key names
  let cache: RedisCache;

  beforeAll(async () => {
    redis = await connectRedis({ url: TEST_SERVERS.redis, namespace });
    cache = new RedisCache(redis);
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
});
