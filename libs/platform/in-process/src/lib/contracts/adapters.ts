import { Redis } from 'ioredis';
import { connect, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { ServiceMetrics } from '@junction/platform/metrics';
import { NatsMessageBus } from '@junction/platform/nats';
import {
  AccessGuard,
  MemoryRateLimiters,
  Namespace,
  type Cache,
  type DistributedLock,
  type MessageBus,
  type RateLimiters,
  type ServiceAccess,
  type SignalBus,
} from '@junction/platform/ports';
import { RedisCache, RedisLock, RedisRateLimiters, connectRedis } from '@junction/platform/redis';
import { InProcessHub } from '../in-process-hub';
import { InProcessMessageBus } from '../in-process-message-bus';
import { MemoryCache } from '../memory-cache';
import { MemoryLock } from '../memory-lock';

/*
 * The adapters every port contract suite (`*.contract.int-spec.ts`) runs against: the cluster one
 * on this machine's NATS or Redis, and the in-process one. Each suite passes the servers and a
 * namespace of its own, so this file needs no test kit and the suites stay identical per adapter.
 */

export interface Servers {
  nats: string;
  redis: string;
}

export interface BusOptions {
  /** The service's declared access; none: unguarded. */
  access?: ServiceAccess;
  metrics?: ServiceMetrics;
  logger: Logger;
}

/** Several services' buses that can reach each other: one NATS deployment, or one process's hub. */
export interface BusWorld {
  bus(options: BusOptions): Promise<MessageBus & SignalBus>;
  dispose(): Promise<void>;
}

export interface BusAdapter {
  readonly name: string;
  open(servers: Servers, namespace: string): Promise<BusWorld>;
}

const guardOf = (access?: ServiceAccess) => (access ? new AccessGuard(access) : undefined);

export const BUS_ADAPTERS: readonly BusAdapter[] = [
  {
    name: 'NatsMessageBus (real NATS)',
    async open(servers, namespace) {
      const ns = new Namespace(namespace);
      const connections: NatsConnection[] = [];
      return {
        bus: async ({ access, metrics, logger }) => {
          const nc = await connect({ servers: servers.nats }); // a connection per service, as deployed
          connections.push(nc);
          return new NatsMessageBus(nc, ns, logger, metrics ?? new ServiceMetrics('contract'), 5000, undefined, guardOf(access));
        },
        dispose: async () => {
          await Promise.all(connections.map((c) => c.drain()));
        },
      };
    },
  },
  {
    name: 'InProcessMessageBus',
    async open() {
      const hub = new InProcessHub();
      return {
        bus: async ({ access, metrics, logger }) => new InProcessMessageBus(hub, { logger, requestTimeoutMs: 5000, guard: guardOf(access), metrics }),
        dispose: async () => undefined,
      };
    },
  },
];

/** One Redis-backed store (or the in-process one) and how to remove what a suite left in it. */
export interface StoreWorld<T> {
  store: T;
  dispose(): Promise<void>;
}

export interface StoreAdapter<T> {
  readonly name: string;
  open(servers: Servers, namespace: string): Promise<StoreWorld<T>>;
}

function redisAdapter<T>(name: string, make: (redis: Redis) => T): StoreAdapter<T> {
  return {
    name,
    async open(servers, namespace) {
      const redis = await connectRedis({ url: servers.redis, namespace });
      return {
        store: make(redis),
        dispose: async () => {
          const raw = new Redis(servers.redis); // no prefix: sees the real key names
          const keys = await raw.keys(`${new Namespace(namespace).key('')}*`);
          if (keys.length) await raw.del(...keys);
          await Promise.all([raw.quit(), redis.quit()]);
        },
      };
    },
  };
}

function memoryAdapter<T>(name: string, make: () => T): StoreAdapter<T> {
  return { name, open: async () => ({ store: make(), dispose: async () => undefined }) };
}

export const CACHE_ADAPTERS: readonly StoreAdapter<Cache>[] = [
  redisAdapter('RedisCache (real Redis)', (redis) => new RedisCache(redis)),
  memoryAdapter('MemoryCache', () => new MemoryCache()),
];

export const LOCK_ADAPTERS: readonly StoreAdapter<DistributedLock>[] = [
  redisAdapter('RedisLock (real Redis)', (redis) => new RedisLock(redis)),
  memoryAdapter('MemoryLock', () => new MemoryLock()),
];

export const RATE_LIMITER_ADAPTERS: readonly StoreAdapter<RateLimiters>[] = [
  redisAdapter('RedisRateLimiters (real Redis)', (redis) => new RedisRateLimiters(redis)),
  memoryAdapter('MemoryRateLimiters', () => new MemoryRateLimiters()),
];
