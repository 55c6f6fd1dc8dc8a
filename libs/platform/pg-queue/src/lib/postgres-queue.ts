import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { ServiceMetrics } from '@junction/platform/metrics';
import {
  messageContext,
  outgoingTraceparent,
  traced,
  subjectMatches,
  type AccessGuard,
  type Closable,
  type ConsumeOptions,
  type DeliveryMeta,
  type DeliveryOutcome,
  type DurableQueue,
  type EventContract,
  type PublishOptions,
  type PublishResult,
  type StreamDefinition,
} from '@junction/platform/ports';
import { ConsumerDispatcher, type DurableHandler } from './consumer-dispatcher';
import { QueueStore, type PendingDelivery, type StoredConsumer } from './queue-store';

const DEFAULT_POLL_INTERVAL_MS = 100;
const PURGE_EVERY_MS = 1000;

export interface PostgresQueueOptions {
  logger: Logger;
  metrics?: ServiceMetrics;
  /** Holds the queue to one service's declared access, as the JetStream adapter does. */
  guard?: AccessGuard;
  /** How often timed redeliveries and ack-wait expiry are looked for, ms. Publishes are dispatched at once regardless. */
  pollIntervalMs?: number;
}

/** What all views of one queue share: the store, the consumers dispatched in this process, the timer. */
class QueueCore {
  readonly store: QueueStore;
  private readonly dispatchers = new Map<number, ConsumerDispatcher>();
  private timer: NodeJS.Timeout | undefined;
  private lastPurge = 0;
  private closed = false;

  constructor(
    pool: Pool,
    private readonly logger: Logger,
    private readonly metrics: ServiceMetrics | undefined,
    private readonly pollIntervalMs: number,
  ) {
    this.store = new QueueStore(pool, logger);
  }

  async open(): Promise<void> {
    if (this.closed) throw new Error('the durable queue is closed');
    await this.store.open();
    this.timer ??= setInterval(() => this.tick(), this.pollIntervalMs).unref();
  }

  dispatcher(consumer: StoredConsumer): ConsumerDispatcher {
    const existing = this.dispatchers.get(consumer.id);
    if (existing && !existing.disposed) return existing;
    const created: ConsumerDispatcher = new ConsumerDispatcher(
      consumer,
      this.store,
      () => this.store.stream(consumer.stream),
      this.logger,
      this.metrics,
      () => {
        if (this.dispatchers.get(consumer.id) === created) this.dispatchers.delete(consumer.id);
      },
    );
    this.dispatchers.set(consumer.id, created);
    created.loaded.catch(() => {
      created.disposed = true;
      if (this.dispatchers.get(consumer.id) === created) this.dispatchers.delete(consumer.id);
    });
    return created;
  }

  offer(consumers: StoredConsumer[], message: PendingDelivery & { payload: string }): void {
    for (const consumer of consumers) this.dispatchers.get(consumer.id)?.offer(message);
  }

  private tick(): void {
    const now = Date.now();
    for (const dispatcher of this.dispatchers.values()) dispatcher.sweep(now);
    if (now - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now;
    this.store.purge().catch((error: unknown) => this.logger.warn({ err: error }, 'expired durable messages not purged yet'));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.store.close();
  }
}

/**
 * The standalone `DurableQueue`: messages stored in Postgres (committed before `publish`
 * resolves) and dispatched from memory by the one process that owns the database (a session
 * advisory lock). JetStream's semantics as the services use them: msg-id dedupe within the
 * stream's window, one copy per durable consumer, ack / retry with backoff / drop, ack-wait
 * redelivery, `maxDeliver` then the same dead-letter handling, age limits, `backlog`.
 * One queue per process; `forService` gives each service a view held to its declared access.
 */
export class PostgresQueue implements DurableQueue {
  private readonly core: QueueCore;
  private readonly guard: AccessGuard | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly options: PostgresQueueOptions,
    /** @internal shared by the views `forService` makes */
    core?: QueueCore,
  ) {
    this.core = core ?? new QueueCore(pool, options.logger, options.metrics, options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
    this.guard = options.guard;
  }

  /** The same queue, limited to what one service declares it publishes, consumes and watches. */
  forService(guard: AccessGuard): PostgresQueue {
    return new PostgresQueue(this.pool, { ...this.options, guard }, this.core);
  }

  async ensureStream(stream: StreamDefinition): Promise<void> {
    this.guard?.stream(stream);
    await this.core.open();
    // only the stream's own service changes its limits; the others use it as it is
    await this.core.store.ensureStream(stream, !this.guard || this.guard.owns(stream));
  }

  publish<T extends object>(contract: EventContract<T>, payload: T, options: PublishOptions = {}): Promise<PublishResult> {
    return traced(`${contract.subject} publish`, { kind: 'producer', attributes: { 'messaging.destination.name': contract.subject } }, () =>
      this.append(contract, payload, options),
    );
  }

  private async append<T extends object>(contract: EventContract<T>, payload: T, options: PublishOptions): Promise<PublishResult> {
    this.guard?.publish(contract);
    // not validated here: the consumer checks every message it reads, and keeps a bad one as an `invalid` dead letter (#19)
    try {
      await this.ensureStream(contract.stream);
      const stream = contract.stream.name;
      const store = this.core.store;
      const duplicateWindowMs = store.stream(stream)?.duplicateWindowMs ?? 0;
      const current = messageContext.current();
      const workspaceId = options.workspaceId ?? current?.workspaceId;
      const message = {
        stream,
        subject: contract.subject,
        payload: JSON.stringify(payload),
        traceparent: outgoingTraceparent(),
        ...(workspaceId ? { workspaceId } : {}),
        ...(options.msgId ? { msgId: options.msgId } : {}),
      };
      const consumers = store.consumersOf(stream, (filter) => subjectMatches(filter, contract.subject));
      const stored = await store.insert(
        message,
        consumers.map((c) => c.id),
        duplicateWindowMs,
      );
      this.options.metrics?.messagesPublished.inc({ subject: contract.subject, outcome: stored.duplicate ? 'duplicate' : 'stored' });
      if (!stored.duplicate) this.core.offer(consumers, { ...message, seq: stored.seq, publishedAt: stored.publishedAt, deliveries: 0, notBefore: 0 });
      return { sequence: stored.seq, duplicate: stored.duplicate };
    } catch (error) {
      this.options.metrics?.messagesPublished.inc({ subject: contract.subject, outcome: 'error' });
      throw error;
    }
  }

  async consume<T extends object>(
    contract: EventContract<T>,
    handler: (payload: T, meta: DeliveryMeta) => Promise<DeliveryOutcome | void>,
    options: ConsumeOptions,
  ): Promise<Closable> {
    this.guard?.consume(contract, options.durable);
    await this.ensureStream(contract.stream);
    const filter = options.filterSubject ?? contract.subject;
    if (!contract.stream.subjects.some((pattern) => subjectMatches(pattern, filter))) {
      throw new Error(`consumer "${options.durable}" filters on ${filter}, which stream ${contract.stream.name} does not capture`);
    }
    const consumer = await this.core.store.ensureConsumer(contract.stream.name, options.durable, filter);
    const settings = {
      maxDeliver: options.maxDeliver ?? 10,
      ackWaitMs: options.ackWaitMs ?? 30_000,
      concurrency: Math.max(1, options.concurrency ?? 1),
      deadLetter: options.deadLetter,
    };
    for (;;) {
      const dispatcher = this.core.dispatcher(consumer);
      await dispatcher.loaded;
      // the last consume of this durable closed while this one waited: start over with a fresh copy
      if (dispatcher.disposed) continue;
      const sub = dispatcher.subscribe(contract, handler as DurableHandler, settings);
      const unwatch = this.options.metrics?.watchQueue(contract.stream.name, options.durable, () => this.core.store.reading(contract.stream.name, options.durable));
      return {
        close: () => {
          unwatch?.();
          return dispatcher.unsubscribe(sub);
        },
      };
    }
  }

  async backlog<T extends object>(contract: EventContract<T>, durable: string): Promise<number> {
    this.guard?.watch(contract, durable);
    await this.ensureStream(contract.stream);
    return this.core.store.backlog(contract.stream.name, durable);
  }

  /** Stops the timers, writes the last acks and gives up the database's dispatcher lock; the pool stays open (it is the caller's). Close consumers first. */
  close(): Promise<void> {
    return this.core.close();
  }
}
