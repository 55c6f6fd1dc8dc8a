import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { readFileSync } from 'node:fs';
import { CACHE, DISTRIBUTED_LOCK, Namespace, RATE_LIMITERS, withTimeout, type ReadinessCheck } from '@junction/platform/ports';
import { RedisCache } from './redis-cache';
import { RedisLock } from './redis-lock';
import { RedisRateLimiters } from './redis-rate-limiters';

export interface RedisModuleOptions {
  /** `redis://` or `rediss://` (TLS), optionally with `user:password@`. */
  url: string;
  namespace: string;
  /** The service's ACL user; overrides credentials in the URL. */
  username?: string;
  password?: string;
  /** PEM CA bundle (file contents are read at connect) for `rediss://`. */
  tlsCaFile?: string;
}

export const REDIS_CLIENT = Symbol('RedisClient');
export const REDIS_READINESS = Symbol('RedisReadiness');

class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** Connects and resolves once Redis is ready; commands fail fast (no offline queue) while it is away. */
export async function connectRedis(options: RedisModuleOptions): Promise<Redis> {
  const tls = options.url.startsWith('rediss://') ? { ...(options.tlsCaFile ? { ca: readFileSync(options.tlsCaFile) } : {}) } : undefined;
  const redis = new Redis(options.url, {
    ...(options.username ? { username: options.username } : {}),
    ...(options.password ? { password: options.password } : {}),
    ...(tls ? { tls } : {}),
    keyPrefix: new Namespace(options.namespace).key(''),
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  });
  try {
    await new Promise<void>((resolve, reject) => {
      redis.once('ready', resolve);
      redis.once('error', reject);
    });
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  // after the first connection, errors are reconnect noise that the readiness check reports
  redis.on('error', () => undefined);
  return redis;
}

@Global()
@Module({})
export class RedisModule {
  static forRoot(options: RedisModuleOptions): DynamicModule {
    return {
      module: RedisModule,
      providers: [
        {
          provide: REDIS_CLIENT,
          useFactory: () => connectRedis(options),
        },
        { provide: CACHE, inject: [REDIS_CLIENT], useFactory: (redis: Redis) => new RedisCache(redis) },
        { provide: DISTRIBUTED_LOCK, inject: [REDIS_CLIENT], useFactory: (redis: Redis) => new RedisLock(redis) },
        { provide: RATE_LIMITERS, inject: [REDIS_CLIENT], useFactory: (redis: Redis) => new RedisRateLimiters(redis) },
        {
          provide: REDIS_READINESS,
          inject: [REDIS_CLIENT],
          useFactory: (redis: Redis): ReadinessCheck => ({
            name: 'redis',
            check: async (timeoutMs) => {
              await withTimeout(redis.ping(), timeoutMs, () => new Error(`Redis did not answer a ping within ${timeoutMs} ms`));
            },
          }),
        },
        RedisLifecycle,
      ],
      exports: [REDIS_CLIENT, CACHE, DISTRIBUTED_LOCK, RATE_LIMITERS, REDIS_READINESS],
    };
  }
}
