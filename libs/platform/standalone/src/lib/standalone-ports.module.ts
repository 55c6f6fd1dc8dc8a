import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import type { PlatformEnv } from '@junction/platform/config';
import { InProcessHub, InProcessMessageBus, MemoryCache, MemoryLock } from '@junction/platform/in-process';
import { ROOT_LOGGER } from '@junction/platform/logging';
import { ServiceMetrics } from '@junction/platform/metrics';
import type { PostgresQueue } from '@junction/platform/pg-queue';
import { AccessGuard, CACHE, DISTRIBUTED_LOCK, DURABLE_QUEUE, MESSAGE_BUS, MemoryRateLimiters, RATE_LIMITERS, SIGNAL_BUS, type ReadinessCheck } from '@junction/platform/ports';
import type { PlatformBinding, ServiceDefinition } from '@junction/platform/service';

export const STANDALONE_READINESS = Symbol('StandaloneReadiness');

/** What the six services of one standalone process share: one hub, one queue store, one cache. */
export interface StandaloneShared {
  hub: InProcessHub;
  queue: PostgresQueue;
  cache: MemoryCache;
  lock: MemoryLock;
  rateLimiters: MemoryRateLimiters;
  /** The embedded database answers (readiness of every service, the gateway's included). */
  database: ReadinessCheck;
}

@Global()
@Module({})
class StandalonePortsModule {
  static forService(shared: StandaloneShared, definition: ServiceDefinition<PlatformEnv>, env: PlatformEnv): DynamicModule {
    // each service keeps its declared access, as its NATS permissions would hold it in the cluster
    const guard = new AccessGuard(definition.access);
    return {
      module: StandalonePortsModule,
      providers: [
        {
          provide: MESSAGE_BUS,
          inject: [ROOT_LOGGER, ServiceMetrics],
          useFactory: (logger: Logger, metrics: ServiceMetrics) => new InProcessMessageBus(shared.hub, { logger, metrics, requestTimeoutMs: env.REQUEST_TIMEOUT_MS, guard }),
        },
        { provide: SIGNAL_BUS, useExisting: MESSAGE_BUS },
        { provide: DURABLE_QUEUE, useFactory: () => shared.queue.forService(guard) },
        { provide: CACHE, useValue: shared.cache },
        { provide: DISTRIBUTED_LOCK, useValue: shared.lock },
        { provide: RATE_LIMITERS, useValue: shared.rateLimiters },
        { provide: STANDALONE_READINESS, useValue: shared.database },
      ],
      exports: [MESSAGE_BUS, SIGNAL_BUS, DURABLE_QUEUE, CACHE, DISTRIBUTED_LOCK, RATE_LIMITERS, STANDALONE_READINESS],
    };
  }
}

/** Standalone mode: every port in-process, durable work in the embedded database. */
export function standaloneBinding(shared: StandaloneShared): PlatformBinding {
  return {
    mode: 'standalone',
    readiness: [STANDALONE_READINESS],
    modules: (definition, env) => [StandalonePortsModule.forService(shared, definition, env)],
  };
}
