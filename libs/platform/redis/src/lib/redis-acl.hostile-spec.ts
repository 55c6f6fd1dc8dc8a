import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startRedisServer, uniqueNamespace, type ThrowawayServer } from '@junction/shared/testing';
import { redisAclFile, redisAclLine, redisUserName } from './redis-acl';
import { connectRedis } from './redis.module';
import { RedisLock } from './redis-lock';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * A redis-server of the test's own with the ACL file Junction generates: the anonymous default
 * user is off, and a service's user reaches only keys of its namespace, with no administrative
 * or key-listing command.
 */
describe('Redis ACL per service', () => {
  const namespace = uniqueNamespace('hostile_redis');
  const other = uniqueNamespace('hostile_other');
  const passwords = { gateway: randomBytes(24).toString('base64url'), otherAuth: randomBytes(24).toString('base64url') };
  let server: ThrowawayServer;
  let url: string;
  const clients: Redis[] = [];

  /** A raw client without the namespace key prefix: an attacker types whatever key it likes. */
  const seen = new Map<Redis, string[]>();
  function raw(username?: string, password?: string): Redis {
    const client = new Redis(url, {
      ...(username ? { username, password } : {}),
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    const errors: string[] = [];
    seen.set(client, errors);
    client.on('error', (e: Error) => errors.push(e.message));
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    server = await startRedisServer(
      redisAclFile([
        redisAclLine(namespace, redisUserName(namespace, 'gateway'), sha256(passwords.gateway)),
        redisAclLine(other, redisUserName(other, 'auth'), sha256(passwords.otherAuth)),
      ]),
    );
    url = `redis://127.0.0.1:${server.port}`;
  }, 30_000);

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await server?.dispose();
  });

  it('refuses the default user, a wrong password and an unknown user', async () => {
    const anonymous = raw();
    await anonymous.connect().catch(() => undefined);
    await expect(anonymous.ping()).rejects.toThrow(/NOAUTH|NOPERM|disabled|Connection is closed/i);

    for (const [user, password] of [
      [redisUserName(namespace, 'gateway'), 'wrong-password'],
      ['default', ''],
      [redisUserName(namespace, 'root'), passwords.gateway],
    ]) {
      const client = raw(user, password || 'x');
      await expect(client.connect()).rejects.toBeDefined();
      expect(seen.get(client)?.join('\n')).toMatch(/WRONGPASS|invalid username-password pair or user is disabled/i);
    }
  });

  it("lets a service work inside its namespace through the platform's own client (cache and lock)", async () => {
    const redis = await connectRedis({ url, namespace, username: redisUserName(namespace, 'gateway'), password: passwords.gateway });
    clients.push(redis);
    await redis.set('idem:1', 'v', 'PX', 10_000);
    expect(await redis.get('idem:1')).toBe('v');
    const lock = new RedisLock(redis);
    const handle = await lock.tryAcquire('recipe:1', 5_000);
    expect(handle).toBeDefined();
    await handle?.release();
    expect(await redis.incr('counter')).toBe(1);
    expect(await redis.pttl('counter')).toBe(-1);
  });

  it("cannot touch another namespace's keys, un-prefixed keys, or list and wipe the server", async () => {
    const owner = raw(redisUserName(other, 'auth'), passwords.otherAuth);
    await owner.connect();
    await owner.set(`${other}:session:1`, 'secret-of-another-deployment');

    const client = raw(redisUserName(namespace, 'gateway'), passwords.gateway);
    await client.connect();
    const denied = [
      () => client.get(`${other}:session:1`),
      () => client.set(`${other}:session:1`, 'overwritten'),
      () => client.del(`${other}:session:1`),
      () => client.get('session:1'),
      () => client.eval(`return redis.call('get', KEYS[1])`, 1, `${other}:session:1`),
      () => client.eval(`return redis.call('get', '${other}:session:1')`, 0),
      () => client.keys('*'),
      () => client.scan('0'),
      () => client.randomkey(),
      () => client.flushall(),
      () => client.flushdb(),
      () => client.call('CONFIG', 'SET', 'dir', '/tmp'),
      () => client.call('ACL', 'LIST'),
      () => client.call('CLIENT', 'LIST'),
      () => client.call('SWAPDB', '0', '1'),
      () => client.call('BGSAVE'),
      () => client.call('MONITOR'),
      () => client.subscribe('anything'),
      () => client.call('MIGRATE', '127.0.0.1', '1', `${namespace}:x`, '0', '1'),
    ];
    for (const command of denied) {
      await expect(command()).rejects.toThrow(/NOPERM|no permissions|can't access/i);
    }
    expect(await owner.get(`${other}:session:1`)).toBe('secret-of-another-deployment');
  });
});
