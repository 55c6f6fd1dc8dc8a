import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { connect, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { DURABLE_QUEUE, MESSAGE_BUS, Namespace, type ReadinessCheck } from '@junction/platform/ports';
import { ROOT_LOGGER } from '@junction/platform/logging';
import { ServiceMetrics } from '@junction/platform/metrics';
import { JetStreamQueue } from './jetstream-queue';
import { NatsMessageBus } from './nats-message-bus';

export interface NatsModuleOptions {
  /** Comma-separated server URLs. */
  url: string;
  namespace: string;
  /** Connection name shown by the server's monitoring (`connz`). */
  service: string;
  requestTimeoutMs: number;
  /** JetStream replicas for streams this process creates (3 in production). */
  streamReplicas?: number;
}

export const NATS_CONNECTION = Symbol('NatsConnection');
export const NATS_READINESS = Symbol('NatsReadiness');

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
    return {
      module: NatsModule,
      providers: [
        {
          provide: NATS_CONNECTION,
          inject: [ROOT_LOGGER],
          useFactory: async (logger: Logger) => {
            const nc = await connect({
              servers: options.url.split(',').map((s) => s.trim()),
              name: `${options.namespace}-${options.service}`,
              maxReconnectAttempts: -1,
              reconnectTimeWait: 250,
              pingInterval: 10_000,
              // the client would otherwise build an Error (a stack trace) for every request and publish ack
              noAsyncTraces: true,
            });
            void (async () => {
              for await (const status of nc.status()) {
                if (status.type === 'disconnect' || status.type === 'reconnect' || status.type === 'error') {
                  logger.warn({ nats: status.type, server: String(status.data) }, 'NATS connection status');
                }
              }
            })();
            return nc;
          },
        },
        {
          provide: MESSAGE_BUS,
          inject: [NATS_CONNECTION, ROOT_LOGGER, ServiceMetrics],
          useFactory: (nc: NatsConnection, logger: Logger, metrics: ServiceMetrics) => new NatsMessageBus(nc, ns, logger, metrics, options.requestTimeoutMs),
        },
        {
          provide: DURABLE_QUEUE,
          inject: [NATS_CONNECTION, ROOT_LOGGER, ServiceMetrics],
          useFactory: async (nc: NatsConnection, logger: Logger, metrics: ServiceMetrics) =>
            new JetStreamQueue(nc, await nc.jetstreamManager(), nc.jetstream(), ns, logger, metrics, options.streamReplicas ?? 1),
        },
        {
          provide: NATS_READINESS,
          inject: [MESSAGE_BUS],
          useFactory: (bus: NatsMessageBus): ReadinessCheck => ({ name: 'nats', check: (timeoutMs) => bus.ping(timeoutMs) }),
        },
        NatsLifecycle,
      ],
      exports: [NATS_CONNECTION, MESSAGE_BUS, DURABLE_QUEUE, NATS_READINESS],
    };
  }
}
