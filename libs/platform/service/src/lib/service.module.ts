import { type DynamicModule, Global, Module, type InjectionToken, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { Logger } from 'pino';
import type { PlatformEnv } from '@junction/platform/config';
import { DATABASE_READINESS, DatabaseModule } from '@junction/platform/database';
import { HealthModule } from '@junction/platform/health';
import { PublicRoutesOnlyGuard } from '@junction/platform/http';
import { LoggingModule, ROOT_LOGGER } from '@junction/platform/logging';
import { MessagingModule } from '@junction/platform/messaging';
import { MetricsModule } from '@junction/platform/metrics';
import { NATS_READINESS, NatsModule } from '@junction/platform/nats';
import { REDIS_READINESS, RedisModule } from '@junction/platform/redis';
import { SERVICE_ENV, type ServiceDefinition } from './service-definition';

@Global()
@Module({})
class ServiceCoreModule {
  static forRoot(env: PlatformEnv, logger: Logger): DynamicModule {
    return {
      module: ServiceCoreModule,
      providers: [
        { provide: SERVICE_ENV, useValue: env },
        { provide: ROOT_LOGGER, useValue: logger },
      ],
      exports: [SERVICE_ENV, ROOT_LOGGER],
    };
  }
}

/** The root module of a service: platform adapters chosen from the environment, then its features. */
export function buildServiceModule<E extends PlatformEnv>(definition: ServiceDefinition<E>, env: E, logger: Logger): DynamicModule {
  const readiness: InjectionToken[] = [NATS_READINESS, REDIS_READINESS];
  const imports: DynamicModule['imports'] = [
    ServiceCoreModule.forRoot(env, logger),
    LoggingModule.forRoot(logger, env.HTTP_ACCESS_LOG),
    MetricsModule.forService(definition.name),
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
  ];
  if (definition.database) {
    imports.push(
      DatabaseModule.forRoot({
        serverUrl: env.DATABASE_URL,
        database: env.DATABASE_NAME ?? `${env.JUNCTION_NAMESPACE}_${definition.name}`,
        poolSize: env.DATABASE_POOL_SIZE,
        ...definition.database,
      }),
    );
    readiness.unshift(DATABASE_READINESS);
  }
  imports.push(HealthModule.forRoot(readiness), MessagingModule, ...definition.imports(env));
  // deny by default: a service that authenticates nobody serves its public routes only
  const providers: Provider[] = definition.authenticatesRoutes ? [] : [{ provide: APP_GUARD, useClass: PublicRoutesOnlyGuard }];
  return { module: class JunctionServiceModule {}, imports, providers };
}
