import { IdempotencyModule } from '@junction/platform/idempotency';
import { type DynamicModule, Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { CustomConnectorRepository } from '@junction/connectors/data-access';
import type { Logger } from 'pino';
import { AddressPolicy, Fence, FencedHttpClient, type ConnectorDefinition, type PlatformListenerEnv } from '@junction/connector-sdk';
import { ROOT_LOGGER } from '@junction/platform/logging';
import { ServiceMetrics } from '@junction/platform/metrics';
import { MESSAGE_BUS, RATE_LIMITERS, type MessageBus, type RateLimiters } from '@junction/platform/ports';
import { ActionInvoker } from './action-invoker';
import { CatalogHandlers } from './catalog.handlers';
import { ConnectionRateLimiter } from './connection-rate-limiter';
import { ConnectionTester } from './connection-tester';
import { ConnectorMetrics } from './connector-metrics';
import { ConnectorRegistry } from './connector-registry';
import { ConnectorResolver } from './connector-resolver';
import { CredentialSource } from './credential-source';
import { HostBreakers } from './host-breakers';
import { InvokeHandlers } from './invoke.handlers';
import { TriggerHandlers } from './trigger.handlers';

export interface ConnectorsFeatureOptions {
  connectors: ConnectorDefinition[];
  /** `JUNCTION_HTTP_ALLOW`: addresses the SSRF fence lets through. */
  httpAllow: string;
  /** The service's own listeners (PORT, DATABASE_URL, NATS_URL, REDIS_URL): refused whatever `httpAllow` says. */
  platform?: PlatformListenerEnv;
  ratePerSecond: number;
  breakerFailures: number;
  breakerHalfOpenMs: number;
  httpTimeoutMs: number;
}

const HTTP_CLIENT = Symbol('ConnectorsHttpClient');
const FENCE = Symbol('ConnectorsFence');

@Module({})
export class ConnectorsFeatureModule {
  static forRoot(options: ConnectorsFeatureOptions): DynamicModule {
    return {
      module: ConnectorsFeatureModule,
      // Idempotency-Key of the creates this service owns, kept in its database
      imports: [IdempotencyModule.forOwner('connectors')],
      providers: [
        { provide: ConnectorRegistry, useValue: new ConnectorRegistry(options.connectors) },
        {
          provide: ConnectorResolver,
          inject: [ConnectorRegistry, getDataSourceToken()],
          useFactory: (registry: ConnectorRegistry, dataSource: DataSource) => new ConnectorResolver(registry, new CustomConnectorRepository(dataSource)),
        },
        { provide: ConnectorMetrics, inject: [ServiceMetrics], useFactory: (m: ServiceMetrics) => new ConnectorMetrics(m) },
        { provide: CredentialSource, inject: [MESSAGE_BUS], useFactory: (bus: MessageBus) => new CredentialSource(bus) },
        { provide: ConnectionRateLimiter, inject: [RATE_LIMITERS], useFactory: (limiters: RateLimiters) => new ConnectionRateLimiter(limiters, options.ratePerSecond) },
        // one fence for every channel of every connector: HTTP and the sockets of database drivers
        { provide: FENCE, useFactory: () => new Fence({ policy: AddressPolicy.fromEnv(options.httpAllow, options.platform) }) },
        {
          provide: HTTP_CLIENT,
          inject: [ConnectorMetrics, ROOT_LOGGER, FENCE],
          useFactory: (metrics: ConnectorMetrics, logger: Logger, fence: Fence) => {
            const breakers = new HostBreakers(
              new FencedHttpClient({
                fence,
                timeoutMs: options.httpTimeoutMs,
                headersTimeoutMs: options.httpTimeoutMs,
                bodyTimeoutMs: options.httpTimeoutMs,
              }),
              {
                failures: options.breakerFailures,
                halfOpenAfterMs: options.breakerHalfOpenMs,
                onStateChange: ({ workspaceId, host, state }) => {
                  if (state !== 'open') return;
                  metrics.breakerOpenings.inc();
                  logger.warn({ workspaceId, host }, 'circuit breaker opened for this workspace and host');
                },
              },
            );
            metrics.watchBreakers(() => breakers.counts());
            return breakers;
          },
        },
        {
          provide: ActionInvoker,
          inject: [ConnectorResolver, CredentialSource, ConnectionRateLimiter, HTTP_CLIENT, ConnectorMetrics, ROOT_LOGGER, FENCE],
          useFactory: (
            resolver: ConnectorResolver,
            credentials: CredentialSource,
            limiter: ConnectionRateLimiter,
            http: HostBreakers,
            metrics: ConnectorMetrics,
            logger: Logger,
            fence: Fence,
          ) => new ActionInvoker(resolver, credentials, limiter, http, metrics, logger, fence),
        },
        {
          provide: ConnectionTester,
          inject: [ConnectorResolver, CredentialSource, HTTP_CLIENT, ROOT_LOGGER, FENCE],
          useFactory: (resolver: ConnectorResolver, credentials: CredentialSource, http: HostBreakers, logger: Logger, fence: Fence) =>
            new ConnectionTester(resolver, credentials, http, logger, fence),
        },
        {
          provide: TriggerHandlers,
          inject: [ConnectorRegistry, CredentialSource, HTTP_CLIENT],
          useFactory: (registry: ConnectorRegistry, credentials: CredentialSource, http: HostBreakers) => new TriggerHandlers(registry, credentials, http),
        },
        CatalogHandlers,
        InvokeHandlers,
      ],
      exports: [ConnectorRegistry, ConnectorResolver, ActionInvoker],
    };
  }
}
