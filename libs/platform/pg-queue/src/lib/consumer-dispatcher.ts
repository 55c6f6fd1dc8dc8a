import type { Logger } from 'pino';
import type { ServiceMetrics } from '@junction/platform/metrics';
import {
  deadBody,
  failedDeliveryOutcome,
  keepDeadLetter,
  messageContext,
  traced,
  validatePayload,
  type ConsumeOptions,
  type DeliveryMeta,
  type DeliveryOutcome,
  type EventContract,
  type MessageContext,
} from '@junction/platform/ports';
import { Fifo } from './fifo';
import type { PendingDelivery, QueueStore, StoredConsumer, StoredStream } from './queue-store';

// payload bytes a consumer keeps in memory between publish and delivery; beyond that, delivery reads them back
const HOT_PAYLOAD_BYTES = 64 * 1024 * 1024;
// a batch whose payloads could not be read is tried again after this, ms
const PAYLOAD_RETRY_MS = 1000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyEvent = EventContract<any>;
export type DurableHandler = (payload: object, meta: DeliveryMeta) => Promise<DeliveryOutcome | void>;

export interface SubscriberOptions {
  maxDeliver: number;
  ackWaitMs: number;
  concurrency: number;
  deadLetter?: ConsumeOptions['deadLetter'];
}

/** One `consume` call: its handler, its limits, and the handlers it is running now. */
export class Subscriber {
  running = 0;
  closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    readonly contract: AnyEvent,
    readonly handler: DurableHandler,
    readonly options: SubscriberOptions,
  ) {}

  release(): void {
    if (--this.running === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  idle(): Promise<void> {
    return this.running === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

interface Attempt {
  sub: Subscriber;
  deadline: number;
  /** False once ack-wait handed the message to a newer delivery. */
  current: boolean;
}

interface Entry extends PendingDelivery {
  payload?: string;
  attempt?: Attempt;
  queued: boolean;
  done: boolean;
}

/**
 * Hands one durable consumer's messages to its `consume` calls in this process. The database is
 * the record (a delivery row per unacknowledged message); this is the working copy, so a publish
 * reaches an idle handler at once, with no poll and no claim write. Timed redeliveries and
 * ack-wait expiry are found by `sweep`, which the queue calls every poll interval.
 */
export class ConsumerDispatcher {
  readonly loaded: Promise<void>;
  disposed = false;
  private readonly known = new Map<number, Entry>();
  private readonly ready = new Fifo<Entry>();
  private readonly delayed = new Set<Entry>();
  private readonly inflight = new Set<Entry>();
  private readonly subscribers: Subscriber[] = [];
  private turn = 0;
  private hotBytes = 0;
  private pumpQueued = false;

  constructor(
    readonly consumer: StoredConsumer,
    private readonly store: QueueStore,
    private readonly stream: () => StoredStream | undefined,
    private readonly logger: Logger,
    private readonly metrics: ServiceMetrics | undefined,
    private readonly onDisposed: () => void,
  ) {
    this.loaded = this.load();
  }

  /** A message just committed: the handlers need not wait for a read of what this process wrote. */
  offer(message: PendingDelivery & { payload: string }): void {
    if (this.disposed || this.known.has(message.seq)) return;
    const keep = this.hotBytes + message.payload.length <= HOT_PAYLOAD_BYTES;
    const entry: Entry = { ...message, payload: keep ? message.payload : undefined, queued: false, done: false };
    if (keep) this.hotBytes += message.payload.length;
    this.known.set(entry.seq, entry);
    this.enqueue(entry);
  }

  subscribe(contract: AnyEvent, handler: DurableHandler, options: SubscriberOptions): Subscriber {
    const sub = new Subscriber(contract, handler, options);
    this.subscribers.push(sub);
    this.schedulePump();
    return sub;
  }

  /** Stops handing messages to `sub` and waits for its handlers; the last one out drops the working copy. */
  async unsubscribe(sub: Subscriber): Promise<void> {
    sub.closed = true;
    const at = this.subscribers.indexOf(sub);
    if (at >= 0) this.subscribers.splice(at, 1);
    await sub.idle();
    if (this.subscribers.length === 0 && !this.disposed) {
      this.disposed = true;
      this.onDisposed();
    }
  }

  sweep(now: number): void {
    for (const entry of this.delayed) {
      if (entry.notBefore > now) continue;
      this.delayed.delete(entry);
      this.enqueue(entry);
    }
    for (const entry of this.inflight) {
      const attempt = entry.attempt;
      if (!attempt || attempt.deadline > now) continue;
      // held past ack-wait by a handler that has not finished: delivered again, as JetStream does
      attempt.current = false;
      entry.attempt = undefined;
      this.inflight.delete(entry);
      if (entry.deliveries >= attempt.sub.options.maxDeliver) {
        this.logger.error({ subject: entry.subject, sequence: entry.seq, deliveryCount: entry.deliveries }, 'durable message not acknowledged on its last delivery; dropped');
        this.finish(entry);
      } else {
        this.enqueue(entry);
      }
    }
  }

  private async load(): Promise<void> {
    const now = Date.now();
    for (const row of await this.store.pending(this.consumer.id)) {
      if (this.known.has(row.seq)) continue;
      const entry: Entry = { ...row, queued: false, done: false };
      this.known.set(entry.seq, entry);
      if (entry.notBefore > now) this.delayed.add(entry);
      else this.enqueue(entry);
    }
  }

  private enqueue(entry: Entry): void {
    if (!entry.queued) {
      entry.queued = true;
      this.ready.push(entry);
    }
    this.schedulePump();
  }

  private schedulePump(): void {
    if (this.pumpQueued || this.disposed) return;
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  private pump(): void {
    const toRead: [Entry, Subscriber][] = [];
    const maxAgeMs = this.stream()?.maxAgeMs ?? 0;
    const now = Date.now();
    while (this.ready.size > 0 && !this.disposed) {
      const sub = this.freeSubscriber();
      if (!sub) break;
      const entry = this.ready.shift() as Entry;
      entry.queued = false;
      if (entry.done || entry.attempt) continue;
      if (maxAgeMs > 0 && entry.publishedAt + maxAgeMs < now) {
        // past the stream's age limit: the purge deletes its rows
        this.forget(entry);
        continue;
      }
      if (entry.deliveries >= sub.options.maxDeliver) {
        // delivered that often already, by a process that died holding it
        this.logger.error({ subject: entry.subject, sequence: entry.seq, deliveryCount: entry.deliveries }, 'durable message dropped: max deliveries reached');
        this.finish(entry);
        continue;
      }
      sub.running++;
      if (entry.payload === undefined) toRead.push([entry, sub]);
      else this.deliver(entry, sub);
    }
    if (toRead.length > 0) void this.readThenDeliver(toRead);
  }

  private freeSubscriber(): Subscriber | undefined {
    const n = this.subscribers.length;
    for (let i = 0; i < n; i++) {
      const sub = this.subscribers[(this.turn + i) % n];
      if (!sub.closed && sub.running < sub.options.concurrency) {
        this.turn = (this.turn + i + 1) % n;
        return sub;
      }
    }
    return undefined;
  }

  private async readThenDeliver(batch: [Entry, Subscriber][]): Promise<void> {
    let payloads: Map<number, string>;
    try {
      payloads = await this.store.payloads(batch.map(([entry]) => entry.seq));
    } catch (error) {
      this.logger.warn({ err: error, messages: batch.length }, 'durable messages could not be read; trying again');
      for (const [entry, sub] of batch) {
        sub.release();
        this.later(entry, Date.now() + PAYLOAD_RETRY_MS);
      }
      return;
    }
    for (const [entry, sub] of batch) {
      const payload = payloads.get(entry.seq);
      if (entry.done || payload === undefined) {
        // acknowledged meanwhile, or aged out and purged
        if (!entry.done) this.forget(entry);
        sub.release();
        this.schedulePump();
        continue;
      }
      entry.payload = payload;
      this.hotBytes += payload.length;
      this.deliver(entry, sub);
    }
  }

  private deliver(entry: Entry, sub: Subscriber): void {
    const attempt: Attempt = { sub, deadline: Date.now() + sub.options.ackWaitMs, current: true };
    entry.attempt = attempt;
    entry.deliveries++;
    this.store.delivered(this.consumer.id, entry.seq, entry.deliveries);
    this.inflight.add(entry);
    const deliveryCount = entry.deliveries;
    const subject = entry.subject;
    const span = {
      kind: 'consumer',
      parent: entry.traceparent,
      workspaceId: entry.workspaceId,
      attributes: { 'messaging.destination.name': subject, 'messaging.delivery_count': deliveryCount },
    } as const;
    void traced(`${subject} process`, span, async () => {
      const context = messageContext.current() as MessageContext;
      let outcome: DeliveryOutcome;
      try {
        const payload = validatePayload(sub.contract.payload, JSON.parse(entry.payload as string), `${subject} message`);
        const meta: DeliveryMeta = { ...context, subject, ...(entry.msgId === undefined ? {} : { msgId: entry.msgId }), deliveryCount, sequence: entry.seq };
        outcome = (await sub.handler(payload, meta)) ?? { action: 'ack' };
      } catch (error) {
        const failed = failedDeliveryOutcome(error, deliveryCount, sub.options.maxDeliver);
        if (failed.log) this.logger[failed.log.level]({ err: error, subject, deliveryCount }, failed.log.message);
        outcome = failed.outcome;
        if (failed.dead) {
          const dead = { subject, sequence: entry.seq, deliveryCount, ...failed.dead, body: deadBody(entry.payload), workspaceId: entry.workspaceId, msgId: entry.msgId };
          const kept = await keepDeadLetter(sub.options.deadLetter, dead, sub.options.maxDeliver);
          if (kept.error !== undefined) this.logger.error({ err: kept.error, subject, sequence: entry.seq }, 'dead letter not stored');
          if (kept.outcome.action === 'drop') this.metrics?.deadLetters.inc({ subject });
          outcome = kept.outcome;
        }
      }
      this.settle(entry, attempt, outcome);
    }).finally(() => {
      sub.release();
      this.schedulePump();
    });
  }

  private settle(entry: Entry, attempt: Attempt, outcome: DeliveryOutcome): void {
    this.metrics?.messagesConsumed.inc({ subject: entry.subject, outcome: outcome.action });
    if (!attempt.current) {
      // a late answer from a delivery ack-wait gave up on: its ack still counts, as with JetStream
      if (outcome.action === 'ack' && !entry.done) this.finish(entry);
      return;
    }
    attempt.current = false;
    entry.attempt = undefined;
    this.inflight.delete(entry);
    if (entry.done) return;
    switch (outcome.action) {
      case 'ack':
        this.finish(entry);
        break;
      case 'drop':
        this.logger.error({ subject: entry.subject, sequence: entry.seq, reason: outcome.reason }, 'durable message dropped');
        this.finish(entry);
        break;
      case 'retry': {
        if (entry.deliveries >= attempt.sub.options.maxDeliver) {
          this.logger.error({ subject: entry.subject, sequence: entry.seq, deliveryCount: entry.deliveries }, 'durable message dropped: max deliveries reached');
          this.finish(entry);
          break;
        }
        const due = Date.now() + Math.max(0, outcome.delayMs ?? 0);
        this.later(entry, due);
        this.store.persistRetry(this.consumer.id, entry.seq, entry.deliveries, due);
        break;
      }
    }
  }

  private later(entry: Entry, due: number): void {
    entry.notBefore = due;
    if (due <= Date.now()) this.enqueue(entry);
    else this.delayed.add(entry);
  }

  /** Acknowledged (or dropped): gone from memory now, from the database with the next ack flush. */
  private finish(entry: Entry): void {
    this.forget(entry);
    this.store.ack(this.consumer.id, entry.seq);
  }

  private forget(entry: Entry): void {
    entry.done = true;
    this.known.delete(entry.seq);
    this.delayed.delete(entry);
    this.inflight.delete(entry);
    if (entry.payload !== undefined) this.hotBytes -= entry.payload.length;
    entry.payload = undefined;
  }
}
