import { AsyncResource } from 'node:async_hooks';
import type { Logger } from 'pino';
import { OutageLog, ServiceOutageLogs } from '@junction/platform/logging';
import type { ServiceMetrics } from '@junction/platform/metrics';
import {
  DeadlineExceededError,
  InvalidMessageError,
  InvalidAnswerError,
  answerRequest,
  ensureValid,
  messageContext,
  outgoingTraceparent,
  readAnswer,
  replyError,
  traced,
  validatePayload,
  withTimeout,
  type AccessGuard,
  type AnswerHooks,
  type Closable,
  type IncomingMeta,
  type MessageBus,
  type MessageContext,
  type ReplyEnvelope,
  type RequestOptions,
  type RpcContract,
  type SignalBus,
  type SignalContract,
} from '@junction/platform/ports';
import type { HubRequest, InProcessHub } from './in-process-hub';

export interface InProcessMessageBusOptions {
  logger: Logger;
  /** Deadline of a request whose contract names none, ms. */
  requestTimeoutMs: number;
  /** The service's declared access: an undeclared use fails as it does on NATS. */
  guard?: AccessGuard;
  metrics?: ServiceMetrics;
}

/**
 * One service's bus in standalone mode: request/reply and signals through the process's
 * `InProcessHub`, behaving as `NatsMessageBus` does. Payloads are validated by the side that
 * receives them and cross the hub as JSON text; the handler runs in the async context of its `serve` call, with the
 * caller's trace context and deadline, never in the caller's own context.
 */
export class InProcessMessageBus implements MessageBus, SignalBus {
  private readonly logger: Logger;
  private readonly defaultTimeoutMs: number;
  private readonly guard?: AccessGuard;
  private readonly metrics?: ServiceMetrics;
  // one line when a service stops answering and one when it is back, not one per call
  private readonly answerHooks: AnswerHooks;
  // per called service: one line when it stops answering and one when it is back
  private readonly outages: ServiceOutageLogs;

  constructor(
    private readonly hub: InProcessHub,
    options: InProcessMessageBusOptions,
  ) {
    this.logger = options.logger;
    this.defaultTimeoutMs = options.requestTimeoutMs;
    this.guard = options.guard;
    this.metrics = options.metrics;
    this.answerHooks = { logger: options.logger, outage: new OutageLog(options.logger, 'a server or service this service needs') };
    this.outages = new ServiceOutageLogs(options.logger);
  }

  request<Req extends object, Res extends object>(contract: RpcContract<Req, Res>, payload: Req, options: RequestOptions = {}): Promise<Res> {
    return traced(`${contract.subject} request`, { kind: 'client', attributes: { 'messaging.destination.name': contract.subject } }, () => this.send(contract, payload, options));
  }

  private async send<Req extends object, Res extends object>(contract: RpcContract<Req, Res>, payload: Req, options: RequestOptions): Promise<Res> {
    const subject = contract.subject;
    const timeoutMs = options.timeoutMs ?? contract.timeoutMs ?? this.defaultTimeoutMs;
    const stop = this.metrics?.rpcClientDuration.startTimer({ subject });
    let outcome = 'ok';
    try {
      this.guard?.call(contract);
      // not validated here: the serving side checks every request it gets (#19), as over NATS
      const current = messageContext.current();
      const workspaceId = options.workspaceId ?? current?.workspaceId;
      const request: HubRequest = {
        body: JSON.stringify(payload),
        traceparent: outgoingTraceparent(),
        ...(workspaceId ? { workspaceId } : {}),
        deadline: Date.now() + timeoutMs,
      };
      const service = this.outages.of(subject);
      const responder = this.hub.responderFor(subject);
      if (!responder) {
        outcome = 'timeout';
        service.down();
        throw new DeadlineExceededError(subject, timeoutMs, true);
      }
      const expired = () => {
        outcome = 'timeout';
        return new DeadlineExceededError(subject, timeoutMs);
      };
      const text = await withTimeout(responder(request), timeoutMs, expired);
      if (text === undefined) throw expired(); // the handler saw the deadline already passed
      const envelope = JSON.parse(text) as ReplyEnvelope;
      if (!envelope.ok) {
        outcome = 'error';
        if (envelope.error.code === 'unavailable') service.down();
        else service.up();
        throw replyError(subject, envelope.error);
      }
      service.up();
      return readAnswer(contract, envelope.data, this.logger);
    } catch (error) {
      if (error instanceof InvalidMessageError || error instanceof InvalidAnswerError) outcome = 'invalid';
      else if (outcome === 'ok') outcome = 'error';
      throw error;
    } finally {
      stop?.({ outcome });
    }
  }

  async serve<Req extends object, Res extends object>(contract: RpcContract<Req, Res>, handler: (payload: Req, meta: IncomingMeta) => Promise<Res>): Promise<Closable> {
    this.guard?.serve(contract);
    // like a subscription callback, a handler runs in the context it was registered in, not the caller's
    const scope = new AsyncResource('junction.in-process.serve');
    const remove = this.hub.addResponder(contract.subject, (request) => scope.runInAsyncScope(() => this.handle(contract, handler, request)));
    return { close: async () => remove() };
  }

  async emit<T extends object>(contract: SignalContract<T>, payload: T): Promise<void> {
    // an undeclared signal is a bug of this service: loud, not logged away
    this.guard?.emit(contract);
    try {
      const body = JSON.stringify(ensureValid(contract.payload, payload, `${contract.subject} signal`));
      for (const listener of this.hub.listenersOf(contract.subject)) listener(body);
    } catch (error) {
      this.logger.warn({ err: error, subject: contract.subject }, 'signal not sent');
    }
  }

  async listen<T extends object>(contract: SignalContract<T>, handler: (payload: T) => void): Promise<Closable> {
    this.guard?.hear(contract);
    const scope = new AsyncResource('junction.in-process.listen');
    const deliver = (body: string) => {
      try {
        handler(validatePayload(contract.payload, JSON.parse(body), `${contract.subject} signal`));
      } catch (error) {
        this.logger.warn({ err: error, subject: contract.subject }, 'signal dropped');
      }
    };
    // delivered after the emitter's turn, as from a socket: an emitter never runs its listeners' code
    const remove = this.hub.addListener(contract.subject, (body) => void setImmediate(() => scope.runInAsyncScope(deliver, undefined, body)));
    return { close: async () => remove() };
  }

  /** Nothing external to reach: the hub answers as long as the process runs. */
  async ping(_timeoutMs: number): Promise<void> {
    return;
  }

  private async handle<Req extends object, Res extends object>(
    contract: RpcContract<Req, Res>,
    handler: (payload: Req, meta: IncomingMeta) => Promise<Res>,
    request: HubRequest,
  ): Promise<string | undefined> {
    const stop = this.metrics?.rpcServerDuration.startTimer({ subject: contract.subject });
    const span = { kind: 'server', parent: request.traceparent, workspaceId: request.workspaceId, attributes: { 'messaging.destination.name': contract.subject } } as const;
    return traced(`${contract.subject} serve`, span, async () => {
      const context = messageContext.current() as MessageContext;
      if (Date.now() > request.deadline) {
        stop?.({ outcome: 'expired' });
        return undefined; // nobody waits for the answer any more
      }
      const meta: IncomingMeta = { ...context, subject: contract.subject, deadline: request.deadline };
      const { envelope, outcome } = await answerRequest(contract, () => JSON.parse(request.body), handler, meta, this.answerHooks);
      stop?.({ outcome });
      return JSON.stringify(envelope);
    });
  }
}
