import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import {
  DURABLE_QUEUE,
  MESSAGE_BUS,
  type Closable,
  type DeadMessage,
  type DeliveryMeta,
  type DeliveryOutcome,
  type DurableQueue,
  type IncomingMeta,
  type MessageBus,
  type RpcContract,
} from '@junction/platform/ports';
import { ON_MESSAGE, ON_REQUEST, type OnMessageMetadata } from './decorators';

type Handler = (...args: unknown[]) => Promise<unknown>;

/**
 * Finds every `@OnRequest` / `@OnMessage` method at start-up and subscribes it through the bus
 * and queue ports, so features never touch a transport. Subscriptions close before the
 * connections do.
 */
@Injectable()
export class HandlerExplorer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly subscriptions: Closable[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(DURABLE_QUEUE) private readonly queue: DurableQueue,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const method = instance[name] as Handler;
        const rpc = this.reflector.get<RpcContract<object, object> | undefined>(ON_REQUEST, method);
        if (rpc) {
          this.subscriptions.push(await this.bus.serve(rpc, (payload: object, meta: IncomingMeta) => method.call(instance, payload, meta) as Promise<object>));
        }
        const durable = this.reflector.get<OnMessageMetadata | undefined>(ON_MESSAGE, method);
        if (durable) {
          const { deadLetter, ...options } = durable.options;
          const keeper = deadLetter === undefined ? undefined : (instance[deadLetter] as Handler | undefined);
          if (deadLetter !== undefined && typeof keeper !== 'function') throw new Error(`@OnMessage of ${name}: deadLetter names no method "${deadLetter}"`);
          this.subscriptions.push(
            await this.queue.consume(durable.contract, (payload: object, meta: DeliveryMeta) => method.call(instance, payload, meta) as Promise<DeliveryOutcome | void>, {
              ...options,
              ...(keeper ? { deadLetter: (message: DeadMessage) => keeper.call(instance, message) as Promise<void> } : {}),
            }),
          );
        }
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.subscriptions.splice(0).map((s) => s.close()));
  }
}
