import type { Redis } from 'ioredis';
import { RedisRateLimiters, connectRedis } from '@junction/platform/redis';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { ConnectionRateLimiter } from './connection-rate-limiter';

describe('ConnectionRateLimiter shared through Redis', () => {
  const namespace = uniqueNamespace('rl');
  let a: Redis;
  let b: Redis;

  beforeAll(async () => {
    // two clients: what two connectors-service replicas hold
    [a, b] = await Promise.all([connectRedis({ url: TEST_SERVERS.redis, namespace }), connectRedis({ url: TEST_SERVERS.redis, namespace })]);
  });

  afterAll(async () => {
    await Promise.all([a.quit(), b.quit()]);
  });

  it('lets 5 calls a second through across both replicas together', async () => {
    const replicaA = new ConnectionRateLimiter(new RedisRateLimiters(a), 5);
    const replicaB = new ConnectionRateLimiter(new RedisRateLimiters(b), 5);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? replicaA : replicaB).take('conn_shared')));
    expect(results.filter((r) => r === undefined)).toHaveLength(5);
    const waits = results.filter((r): r is number => r !== undefined);
    expect(waits.every((ms) => ms > 0 && ms <= 1000)).toBe(true);
    // another connection has its own bucket
    expect(await replicaA.take('conn_other')).toBeUndefined();
  });
});
