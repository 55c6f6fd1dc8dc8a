import { Redis } from 'ioredis';
import { TEST_SERVERS, TcpProxy, uniqueNamespace } from '@junction/shared/testing';
import { connectRedis } from './redis.module';
import { RedisRateLimiters } from './redis-rate-limiters';

/*
 * Redis-specific: one budget across replicas, and the in-process stand-in while Redis is away.
 * consume / refund / reset / peek / windows are proved for this adapter and the in-process one
 * alike in libs/platform/in-process/src/lib/contracts/rate-limiters.contract.int-spec.ts.
 */
describe('RedisRateLimiters (real Redis)', () => {
  const namespace = uniqueNamespace('rlim');
  const raw = new Redis(TEST_SERVERS.redis, { lazyConnect: true });
  let a: Redis;
  let b: Redis;

  beforeAll(async () => {
    // two clients: what two gateway replicas hold
    [a, b] = await Promise.all([connectRedis({ url: TEST_SERVERS.redis, namespace }), connectRedis({ url: TEST_SERVERS.redis, namespace })]);
  });

  afterAll(async () => {
    const keys = await raw.keys(`${namespace}:*`);
    if (keys.length) await raw.del(...keys);
    await raw.quit();
    await Promise.all([a.quit(), b.quit()]);
  });

  it('shares one budget per key across replicas and reports what is left and when it comes back', async () => {
    const policy = { name: 'shared', points: 4, windowSec: 30 };
    const [ra, rb] = [new RedisRateLimiters(a).create(policy), new RedisRateLimiters(b).create(policy)];
    const decisions = await Promise.all(Array.from({ length: 7 }, (_, i) => (i % 2 ? ra : rb).consume('key-1')));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(4);
    const refused = decisions.filter((d) => !d.allowed);
    expect(refused).toHaveLength(3);
    for (const d of refused) {
      expect(d).toMatchObject({ limit: 4, remaining: 0 });
      expect(d.retryAfterMs).toBeGreaterThan(25_000);
      expect(d.retryAfterMs).toBeLessThanOrEqual(30_000);
    }
    expect(await ra.consume('key-2')).toMatchObject({ allowed: true, limit: 4, remaining: 3, retryAfterMs: 0 });
    expect(await raw.exists(`${namespace}:rl:shared:key-1`)).toBe(1);
  });

  it('keeps limiting in-process while Redis is away instead of failing the call', async () => {
    const proxy = new TcpProxy('127.0.0.1', Number(new URL(TEST_SERVERS.redis).port || 6379));
    const port = await proxy.start();
    const viaProxy = await connectRedis({ url: `redis://127.0.0.1:${port}`, namespace });
    try {
      const limiter = new RedisRateLimiters(viaProxy).create({ name: 'outage', points: 2, windowSec: 30 });
      await proxy.cut();
      const decisions = [];
      for (let i = 0; i < 3; i++) decisions.push(await limiter.consume('k'));
      expect(decisions.map((d) => d.allowed)).toEqual([true, true, false]);
    } finally {
      viaProxy.disconnect();
      await proxy.stop();
    }
  });
});
