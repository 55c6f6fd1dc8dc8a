import {
  AckPolicy,
  ErrorCode,
  DeliverPolicy,
  NatsError,
  RetentionPolicy,
  StorageType,
  nanos,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type MsgRequest,
  type NatsConnection,
  type StreamConfig,
} from 'nats';
import type { Logger } from 'pino';
import {
  ConnectionLostError,
  DeadlineExceededError,
  deadBody,
  failedDeliveryOutcome,
  isServerUnavailable,
  keepDeadLetter,
  messageContext,
  traced,
  validatePayload,
  type Closable,
  type ConsumeOptions,
  type DeliveryMeta,
  type DeliveryOutcome,
  type DurableQueue,
  type EventContract,
  type Namespace,
  type PublishOptions,
  type PublishResult,
  type StreamDefinition,
} from '@junction/platform/ports';
import { OutageLog } from '@junction/platform/logging';
import type { QueueReading, ServiceMetrics } from '@junction/platform/metrics';
import { ClaimCheck, DEFAULT_CLAIM_THRESHOLD_BYTES, streamClaims } from './claim-check';
import { NatsLink } from './nats-link';
import { RequestMux } from './request-mux';
import type { AccessGuard } from './nats-permissions';
import { H, decodeJson, encodeJson, incomingContext, messagingAttributes, outgoingHeaders } from './wire';

const DEFAULT_MAX_AGE_MS = 7 * 24 * 3600_000;
const DEFAULT_DUPLICATE_WINDOW_MS = 2 * 60_000;
const STREAM_NOT_FOUND = 10059;
const CONSUMER_NOT_FOUND = 10014;
// how long a publish waits for JetStream's ack (also while the client reconnects), ms
const PUBLISH_TIMEOUT_MS = 5000;
// a handler that failed because a server is away is tried again in place this often (ms), up to this long
const HOLD_RETRY_MS = [250, 500, 1000, 2000];
const HOLD_MAX_MS = 5 * 60_000;
// a pull request's lifetime (the client's default is 30 s)
const PULL_EXPIRES_MS = 5_000;

/**
 * Durable work over JetStream: file-backed streams, publish acknowledged only once stored,
 * explicit acks, bounded redelivery, `Nats-Msg-Id` dedupe within the stream's window. Bodies
 * above the claim threshold are stored in an object store kept as long as the stream keeps messages.
 */
export class JetStreamQueue implements DurableQueue {
  private readonly ensured = new Map<string, Promise<void>>();
  private readonly link: NatsLink;
  private readonly mux: RequestMux;
  private readonly handlerOutage: OutageLog;

  constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly js: JetStreamClient,
    private readonly ns: Namespace,
    private readonly logger: Logger,
    private readonly metrics: ServiceMetrics,
    private readonly replicas: number,
    private readonly claims: ClaimCheck = new ClaimCheck(js, ns, DEFAULT_CLAIM_THRESHOLD_BYTES, replicas),
    private readonly guard?: AccessGuard,
  ) {
    this.link = NatsLink.of(nc);
    this.mux = RequestMux.of(nc);
    this.handlerOutage = new OutageLog(logger, 'a server this consumer needs (database or Redis)');
  }

  ensureStream(stream: StreamDefinition): Promise<void> {
    this.guard?.stream(stream);
    let pending = this.ensured.get(stream.name);
    if (!pending) {
      pending = this.createOrUpdate(stream);
      pending.catch(() => this.ensured.delete(stream.name));
      this.ensured.set(stream.name, pending);
    }
    return pending;
  }

  publish<T extends object>(contract: EventContract<T>, payload: T, options: PublishOptions = {}): Promise<PublishResult> {
    return traced(`${contract.subject} publish`, { kind: 'producer', attributes: messagingAttributes(contract.subject) }, () => this.store(contract, payload, options));
  }

  private async store<T extends object>(contract: EventContract<T>, payload: T, options: PublishOptions): Promise<PublishResult> {
    this.guard?.publish(contract);
    // not validated here: the consumer checks every message it reads, and keeps a bad one as an `invalid` dead letter (#19)
    if (!this.link.isUp) {
      this.link.refused();
      this.metrics.messagesPublished.inc({ subject: contract.subject, outcome: 'error' });
      throw new ConnectionLostError(contract.subject, PUBLISH_TIMEOUT_MS);
    }
    await this.ensureStream(contract.stream);
    const headers = outgoingHeaders(options.workspaceId);
    let claim: string | undefined;
    try {
      const body = await this.claims.wrap(encodeJson(payload), headers, this.claimScope(contract.stream));
      claim = this.claims.refOf(headers);
      // refused at once while NATS is down, failed at once if it drops before the ack: the caller answers 503 now, not in 5 s
      // JetStream's publish protocol over the connection's request mux (the client's js.publish builds an error per call, #19)
      if (options.msgId) headers.set('Nats-Msg-Id', options.msgId);
      headers.set('Nats-Expected-Stream', this.ns.stream(contract.stream.name));
      const reply = await this.link.guard(
        () => this.mux.request(this.ns.subject(contract.subject), body, headers, PUBLISH_TIMEOUT_MS),
        () => new ConnectionLostError(contract.subject, PUBLISH_TIMEOUT_MS),
      );
      const ack = readPubAck(reply.data);
      // the first copy of a duplicate carries its own claim
      if (ack.duplicate) this.claims.release(claim);
      this.metrics.messagesPublished.inc({ subject: contract.subject, outcome: ack.duplicate ? 'duplicate' : 'stored' });
      return { sequence: ack.seq, duplicate: ack.duplicate };
    } catch (error) {
      this.claims.release(claim);
      this.metrics.messagesPublished.inc({ subject: contract.subject, outcome: 'error' });
      // JetStream unreachable or not answering: the caller's 503, not an internal error
      const code = (error as NatsError).code;
      if (code === ErrorCode.Timeout || code === ErrorCode.NoResponders) throw new DeadlineExceededError(contract.subject, PUBLISH_TIMEOUT_MS, code === ErrorCode.NoResponders);
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
    const stream = this.ns.stream(contract.stream.name);
    const durable = this.ns.consumer(options.durable);
    const maxDeliver = options.maxDeliver ?? 10;
    await this.jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(options.ackWaitMs ?? 30_000),
      max_deliver: maxDeliver,
      filter_subject: this.ns.subject(options.filterSubject ?? contract.subject),
      max_ack_pending: Math.max(1000, (options.concurrency ?? 1) * 4),
    });
    const consumer = await this.js.consumers.get(stream, durable);
    const concurrency = Math.max(1, options.concurrency ?? 1);
    // expires bounds how long the client waits before pulling again after NATS comes back (its consumer check
    // backs off by it when JetStream is still recovering) and sets the idle heartbeat (half of it) that notices a lost pull
    const messages: ConsumerMessages = await consumer.consume({ max_messages: Math.max(concurrency * 2, 16), expires: PULL_EXPIRES_MS });
    const inflight = new Set<Promise<void>>();
    const open = { value: true };
    const unwatch = this.metrics.watchQueue(contract.stream.name, options.durable, () => this.reading(stream, durable));

    const loop = (async () => {
      for await (const msg of messages) {
        const task = this.deliver(contract, handler, msg, maxDeliver, open, options.deadLetter).finally(() => inflight.delete(task));
        inflight.add(task);
        if (inflight.size >= concurrency) await Promise.race(inflight);
      }
    })();

    return {
      close: async () => {
        open.value = false;
        unwatch();
        await messages.close();
        await loop.catch(() => undefined);
        await Promise.allSettled([...inflight]);
      },
    };
  }

  async backlog<T extends object>(contract: EventContract<T>, durable: string): Promise<number> {
    this.guard?.watch(contract, durable);
    await this.ensureStream(contract.stream);
    const stream = this.ns.stream(contract.stream.name);
    try {
      const info = await this.jsm.consumers.info(stream, this.ns.consumer(durable));
      return info.num_pending + info.num_ack_pending;
    } catch (error) {
      if ((error as { api_error?: { err_code?: number } }).api_error?.err_code !== CONSUMER_NOT_FOUND) throw error;
      return (await this.jsm.streams.info(stream)).state.messages;
    }
  }

  /**
   * The consumer's depth (waiting plus in flight) and its oldest unacknowledged message's age, for
   * the queue gauges: the first message after the ack floor that the consumer's filter takes.
   */
  private async reading(stream: string, durable: string): Promise<QueueReading> {
    const info = await this.jsm.consumers.info(stream, durable);
    const depth = info.num_pending + info.num_ack_pending;
    if (depth === 0) return { depth, oldestAgeSeconds: 0 };
    // the server takes next_by_subj on STREAM.MSG.GET (2.9+); the client's type lists it for direct gets only
    const query = { seq: info.ack_floor.stream_seq + 1, next_by_subj: info.config.filter_subject ?? '>' } as unknown as MsgRequest;
    const oldest = await this.jsm.streams.getMessage(stream, query);
    return { depth, oldestAgeSeconds: Math.max(0, Date.now() - oldest.time.getTime()) / 1000 };
  }

  private async deliver<T extends object>(
    contract: EventContract<T>,
    handler: (payload: T, meta: DeliveryMeta) => Promise<DeliveryOutcome | void>,
    msg: JsMsg,
    maxDeliver: number,
    open: { value: boolean } = { value: true },
    deadLetter?: ConsumeOptions['deadLetter'],
  ): Promise<void> {
    const sent = incomingContext(msg.headers);
    const deliveryCount = msg.info.redeliveryCount;
    const subject = contract.subject;
    const msgId = msg.headers?.get('Nats-Msg-Id') || undefined;
    const span = {
      kind: 'consumer',
      parent: sent.traceparent,
      workspaceId: sent.workspaceId,
      attributes: { ...messagingAttributes(subject), 'messaging.delivery_count': deliveryCount },
    } as const;
    await traced(`${subject} process`, span, async () => {
      const context = messageContext.current() ?? sent;
      let outcome: DeliveryOutcome;
      let body: Uint8Array | undefined;
      let decoded: unknown;
      try {
        body = await this.claims.unwrap(msg.data, msg.headers);
        decoded = decodeJson(body);
        const payload = validatePayload(contract.payload, decoded, `${subject} message`);
        // the handler works on the parsed message: a claimed body's bytes (a whole large payload) are not kept alive through it (#19)
        body = undefined;
        const meta: DeliveryMeta = { ...context, subject, msgId, deliveryCount, sequence: msg.info.streamSequence };
        outcome = (await this.holdThroughOutage(() => handler(payload, meta), msg, open)) ?? { action: 'ack' };
      } catch (error) {
        const failed = failedDeliveryOutcome(error, deliveryCount, maxDeliver);
        if (failed.log) this.logger[failed.log.level]({ err: error, subject, deliveryCount }, failed.log.message);
        outcome = failed.outcome;
        if (failed.dead) {
          // the bytes while the message was not yet valid JSON of its contract, else the parsed message (what `deadBody` would make of them)
          const deadPayload = body === undefined ? decoded : deadBody(new TextDecoder().decode(body));
          const dead = { subject, sequence: msg.info.streamSequence, deliveryCount, ...failed.dead, body: deadPayload, workspaceId: context.workspaceId, msgId };
          const kept = await keepDeadLetter(deadLetter, dead, maxDeliver);
          if (kept.error !== undefined) this.logger.error({ err: kept.error, subject, sequence: dead.sequence }, 'dead letter not stored');
          if (kept.outcome.action === 'drop') this.metrics.deadLetters.inc({ subject });
          outcome = kept.outcome;
        }
      }
      switch (outcome.action) {
        case 'ack':
          msg.ack();
          break;
        case 'retry':
          msg.nak(outcome.delayMs);
          break;
        case 'drop':
          this.logger.error({ subject, sequence: msg.info.streamSequence, reason: outcome.reason }, 'durable message dropped');
          msg.term();
          break;
      }
      this.metrics.messagesConsumed.inc({ subject, outcome: outcome.action });
    });
  }

  /**
   * Runs a handler; while it fails because a server it needs (Postgres, Redis) is away, tries it
   * again in place, keeping the message (its ack deadline extended) instead of handing it back:
   * a redelivery would wait out a growing backoff after the server is back and spend one of the
   * message's bounded deliveries per try. One log line per outage, one per recovery.
   */
  private async holdThroughOutage<R>(run: () => Promise<R>, msg: JsMsg, open: { value: boolean }): Promise<R> {
    const since = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await run();
        this.handlerOutage.up();
        return result;
      } catch (error) {
        if (!isServerUnavailable(error) || !open.value || Date.now() - since > HOLD_MAX_MS) throw error;
        this.handlerOutage.down(error);
        try {
          msg.working();
        } catch {
          // NATS is away too: the message comes back by redelivery instead
        }
        await new Promise((r) => setTimeout(r, HOLD_RETRY_MS[Math.min(attempt, HOLD_RETRY_MS.length - 1)]));
      }
    }
  }

  private async createOrUpdate(def: StreamDefinition): Promise<void> {
    const name = this.ns.stream(def.name);
    const config: Partial<StreamConfig> = {
      name,
      subjects: def.subjects.map((s) => this.ns.subject(s)),
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: this.replicas,
      max_age: nanos(def.maxAgeMs ?? DEFAULT_MAX_AGE_MS),
      duplicate_window: nanos(def.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS),
    };
    try {
      await this.jsm.streams.info(name);
      // only the stream's own service changes its limits; the others use it as it is
      if (this.guard && !this.guard.owns(def)) return;
      await this.jsm.streams.update(name, config);
    } catch (error) {
      if ((error as { api_error?: { err_code?: number } }).api_error?.err_code !== STREAM_NOT_FOUND) throw error;
      await this.jsm.streams.add(config);
    }
  }

  /** Removes a stream, its consumers and its claims: used by tests to clean up after themselves. */
  async deleteStream(def: StreamDefinition): Promise<void> {
    this.ensured.delete(def.name);
    await this.jsm.streams.delete(this.ns.stream(def.name)).catch(() => false);
    await this.claims.destroy(this.claimScope(def));
  }

  private claimScope(def: StreamDefinition) {
    return streamClaims(def.name, def.maxAgeMs || DEFAULT_MAX_AGE_MS);
  }

  get connection(): NatsConnection {
    return this.nc;
  }
}

/** A JetStream publish acknowledgement, or its error as the client's js.publish throws it (code, `api_error`). */
function readPubAck(data: Uint8Array): { seq: number; duplicate: boolean } {
  const answer = decodeJson(data) as { stream?: string; seq?: number; duplicate?: boolean; error?: { code: number; err_code?: number; description?: string } };
  if (answer.error && answer.error.code >= 300) {
    const description = answer.error.description?.toLowerCase() || ErrorCode.Unknown;
    const error = answer.error.code === 503 ? NatsError.errorForCode(ErrorCode.JetStreamNotEnabled, new Error(description)) : new NatsError(description, String(answer.error.code));
    Object.assign(error, { api_error: answer.error });
    throw error;
  }
  if (!answer.stream) throw NatsError.errorForCode(ErrorCode.JetStreamInvalidAck);
  return { seq: answer.seq ?? 0, duplicate: answer.duplicate === true };
}

export { H };
