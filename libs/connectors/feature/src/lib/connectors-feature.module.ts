import { type DynamicModule, Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { CustomConnectorRepository } from '@junction/connectors/data-access';
import type { Logger } from 'pino';
import { AddressPolicy, FencedHttpClient, type ConnectorDefinition } from '@junction/connector-sdk';
import { ROOT_LOGGER } from '@junction/platform/logging';
import { ServiceMetrics } from '@junction/platform/metrics';
import { MESSAGE_BUS, RATE_LIMITERS, type MessageBus, type RateLimiters } from '@junction/platform/ports';
import { ActionInvoker } from './action-invoker';
import { CatalogHandlers } from './catalog.handlers';
import { ConnectionRateLimiter } from './connection-rate-limiter';
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
  ratePerSecond: number;
  breakerFailures: number;
  breakerHalfOpenMs: number;
  httpTimeoutMs: number;
}

const HTTP_CLIENT = Symbol('ConnectorsHttpClient');

@Module({})
export class ConnectorsFeatureModule {
  static forRoot(options: ConnectorsFeatureOptions): DynamicModule {
    return {
      module: ConnectorsFeatureModule,
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
        {
          provide: HTTP_CLIENT,
          inject: [ConnectorMetrics, ROOT_LOGGER],
          useFactory: (metrics: ConnectorMetrics, logger: Logger) => {
            const breakers = new HostBreakers(
              new FencedHttpClient({
                policy: AddressPolicy.fromEnv(options.httpAllow),
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
          inject: [ConnectorResolver, CredentialSource, ConnectionRateLimiter, HTTP_CLIENT, ConnectorMetrics, ROOT_LOGGER],
          useFactory: (resolver: ConnectorResolver, credentials: CredentialSource, limiter: ConnectionRateLimiter, http: HostBreakers, metrics: ConnectorMetrics, logger: Logger) =>
            new ActionInvoker(resolver, credentials, limiter, http, metrics, logger),
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
