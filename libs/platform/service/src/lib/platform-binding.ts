import type { DynamicModule, InjectionToken } from '@nestjs/common';
import type { PlatformEnv } from '@junction/platform/config';
import { NATS_READINESS, NatsModule } from '@junction/platform/nats';
import { REDIS_READINESS, RedisModule } from '@junction/platform/redis';
import type { ServiceDefinition } from './service-definition';

/**
 * Where a service's ports come from (MessageBus, SignalBus, DurableQueue, Cache, DistributedLock,
 * RateLimiters): the features inject the ports only, so the same feature modules run in the
 * cluster (NATS + Redis) and in standalone mode (in-process, queue in the embedded database).
 */
export interface PlatformBinding {
  readonly mode: 'cluster' | 'standalone';
  /** Global modules that provide the ports for one service. */
  modules(definition: ServiceDefinition<PlatformEnv>, env: PlatformEnv): DynamicModule[];
  /** Tokens of the `ReadinessCheck`s those modules provide. */
  readonly readiness: InjectionToken[];
}

/** The cluster: NATS for requests, signals and durable work; Redis for cache, locks and rate limits. */
export const clusterBinding: PlatformBinding = {
  mode: 'cluster',
  readiness: [NATS_READINESS, REDIS_READINESS],
  modules: (definition, env) => [
    NatsModule.forRoot({
      url: env.NATS_URL,
      namespace: env.JUNCTION_NAMESPACE,
      service: definition.name,
      requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
      streamReplicas: env.NATS_STREAM_REPLICAS,
      claimThresholdBytes: env.NATS_CLAIM_THRESHOLD_BYTES,
      access: definition.access,
      credentials: { user: env.NATS_USER, password: env.NATS_PASSWORD, nkeySeed: env.NATS_NKEY_SEED, credsFile: env.NATS_CREDS },
      tls: { caFile: env.NATS_TLS_CA, certFile: env.NATS_TLS_CERT, keyFile: env.NATS_TLS_KEY },
    }),
    RedisModule.forRoot({
      url: env.REDIS_URL,
      namespace: env.JUNCTION_NAMESPACE,
      username: env.REDIS_USERNAME,
      password: env.REDIS_PASSWORD,
      tlsCaFile: env.REDIS_TLS_CA,
    }),
  ],
};
