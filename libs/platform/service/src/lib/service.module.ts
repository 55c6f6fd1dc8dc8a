import { type DynamicModule, Global, Injectable, Module, type InjectionToken, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { Logger } from 'pino';
import type { PlatformEnv } from '@junction/platform/config';
import { DATABASE_READINESS, DatabaseModule } from '@junction/platform/database';
import { HealthModule } from '@junction/platform/health';
import { PublicRoutesOnlyGuard } from '@junction/platform/http';
import { LoggingModule, ROOT_LOGGER } from '@junction/platform/logging';
import { MessagingModule } from '@junction/platform/messaging';
import { MetricsModule } from '@junction/platform/metrics';
import { flushTracing } from '@junction/platform/tracing';
import { clusterBinding, type PlatformBinding } from './platform-binding';
import { SERVICE_ENV, type ServiceDefinition } from './service-definition';

/**
 * The spans still buffered leave before the process does (Nest re-raises SIGTERM right after
 * closing); a collector that is down must not fail the shutdown (bounded by OTEL_EXPORTER_OTLP_TIMEOUT).
 */
@Injectable()
class TracingFlush implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return flushTracing().catch(() => undefined);
  }
}

@Global()
@Module({})
class ServiceCoreModule {
  static forRoot(env: PlatformEnv, logger: Logger): DynamicModule {
    return {
      module: ServiceCoreModule,
      providers: [{ provide: SERVICE_ENV, useValue: env }, { provide: ROOT_LOGGER, useValue: logger }, TracingFlush],
      exports: [SERVICE_ENV, ROOT_LOGGER],
    };
  }
}

/** The root module of a service: the platform's adapters (cluster by default), then its features. */
export function buildServiceModule<E extends PlatformEnv>(definition: ServiceDefinition<E>, env: E, logger: Logger, platform: PlatformBinding = clusterBinding): DynamicModule {
  const readiness: InjectionToken[] = [...platform.readiness];
  const imports: DynamicModule['imports'] = [
    ServiceCoreModule.forRoot(env, logger),
    LoggingModule.forRoot(logger, env.HTTP_ACCESS_LOG),
    // standalone mode's process-wide registry holds the process metrics once, not once per service
    MetricsModule.forService(definition.name, { defaultMetrics: platform.mode === 'cluster' }),
    ...platform.modules(definition as unknown as ServiceDefinition<PlatformEnv>, env),
  ];
  if (definition.database) {
    imports.push(
      DatabaseModule.forRoot({
        serverUrl: env.DATABASE_URL,
        database: env.DATABASE_NAME ?? `${env.JUNCTION_NAMESPACE}_${definition.name}`,
        poolSize: env.DATABASE_POOL_SIZE,
        poolIdleMs: env.DATABASE_POOL_IDLE_MS,
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
