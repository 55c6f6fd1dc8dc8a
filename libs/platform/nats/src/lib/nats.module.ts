import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { connect, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { DURABLE_QUEUE, MESSAGE_BUS, Namespace, SIGNAL_BUS, type ReadinessCheck } from '@junction/platform/ports';
import { ROOT_LOGGER } from '@junction/platform/logging';
import { ServiceMetrics } from '@junction/platform/metrics';
import { ClaimCheck, DEFAULT_CLAIM_THRESHOLD_BYTES } from './claim-check';
import { JetStreamQueue } from './jetstream-queue';
import { natsSecurityOptions, parseNatsServers, type NatsCredentials, type NatsTlsOptions } from './nats-connect';
import { NatsLink, ReconnectBackoff } from './nats-link';
import { NatsMessageBus } from './nats-message-bus';
import { AccessGuard, serviceInboxPrefix, type ServiceAccess } from './nats-permissions';

export interface NatsModuleOptions {
  /** Comma-separated server URLs. */
  url: string;
  namespace: string;
  /** Connection name shown by the server's monitoring (`connz`). */
  service: string;
  requestTimeoutMs: number;
  /** JetStream replicas for streams this process creates (3 in production). */
  streamReplicas?: number;
  /** Message bodies above this many bytes are stored in JetStream's object store and sent by reference. */
  claimThresholdBytes?: number;
  /** What the service does on NATS; undeclared uses fail, and its permissions are generated from it. */
  access?: ServiceAccess;
  credentials?: NatsCredentials;
  tls?: NatsTlsOptions;
}

export const NATS_CONNECTION = Symbol('NatsConnection');
export const NATS_READINESS = Symbol('NatsReadiness');
const CLAIM_CHECK = Symbol('ClaimCheck');

class NatsLifecycle implements OnApplicationShutdown {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  async onApplicationShutdown(): Promise<void> {
    // drain lets in-flight handlers answer before the connection closes
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
  }
}

@Global()
@Module({})
export class NatsModule {
  static forRoot(options: NatsModuleOptions): DynamicModule {
    const ns = new Namespace(options.namespace);
    const guard = options.access ? new AccessGuard(options.access) : undefined;
    return {
      module: NatsModule,
      providers: [
        {
          provide: NATS_CONNECTION,
          inject: [ROOT_LOGGER],
          useFactory: async (logger: Logger) => {
            const backoff = new ReconnectBackoff();
            const nc = await connect({
              servers: parseNatsServers(options.url).servers,
              name: `${options.namespace}-${options.service}`,
              ...natsSecurityOptions(options.url, options.credentials, options.tls),
              // the service's own inbox: its permissions let only it read replies sent there
              inboxPrefix: serviceInboxPrefix(ns, options.service),
              maxReconnectAttempts: -1,
              reconnectTimeWait: 250,
              reconnectDelayHandler: () => backoff.next(),
              pingInterval: 10_000,
              // the client would otherwise build an Error (a stack trace) for every request and publish ack
              noAsyncTraces: true,
            });
            // one line per outage and one per recovery (with the calls refused meanwhile); in-flight calls fail at the drop
            NatsLink.of(nc, { logger, backoff });
            void (async () => {
              for await (const status of nc.status()) {
                if (status.type === 'error') logger.warn({ nats: status.type, server: String(status.data) }, 'NATS connection status');
              }
            })();
            return nc;
          },
        },
        {
          provide: CLAIM_CHECK,
          inject: [NATS_CONNECTION],
          useFactory: (nc: NatsConnection) => new ClaimCheck(nc.jetstream(), ns, options.claimThresholdBytes ?? DEFAULT_CLAIM_THRESHOLD_BYTES, options.streamReplicas ?? 1),
        },
        {
          provide: MESSAGE_BUS,
          inject: [NATS_CONNECTION, ROOT_LOGGER, ServiceMetrics, CLAIM_CHECK],
          useFactory: (nc: NatsConnection, logger: Logger, metrics: ServiceMetrics, claims: ClaimCheck) =>
            new NatsMessageBus(nc, ns, logger, metrics, options.requestTimeoutMs, claims, guard),
        },
        // the same connection and access guard: signals are core NATS like requests
        { provide: SIGNAL_BUS, useExisting: MESSAGE_BUS },
        {
          provide: DURABLE_QUEUE,
          inject: [NATS_CONNECTION, ROOT_LOGGER, ServiceMetrics, CLAIM_CHECK],
          useFactory: async (nc: NatsConnection, logger: Logger, metrics: ServiceMetrics, claims: ClaimCheck) =>
            new JetStreamQueue(nc, await nc.jetstreamManager(), nc.jetstream(), ns, logger, metrics, options.streamReplicas ?? 1, claims, guard),
        },
        {
          provide: NATS_READINESS,
          inject: [MESSAGE_BUS],
          useFactory: (bus: NatsMessageBus): ReadinessCheck => ({ name: 'nats', check: (timeoutMs) => bus.ping(timeoutMs) }),
        },
        NatsLifecycle,
      ],
      exports: [NATS_CONNECTION, MESSAGE_BUS, SIGNAL_BUS, DURABLE_QUEUE, NATS_READINESS],
    };
  }
}
