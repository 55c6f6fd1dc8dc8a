import { ErrorCode, headers as natsHeaders, type NatsConnection, type NatsError, type Msg } from 'nats';
import type { Logger } from 'pino';
import {
  ConnectionLostError,
  DeadlineExceededError,
  InvalidMessageError,
  InvalidAnswerError,
  answerRequest,
  ensureValid,
  messageContext,
  readAnswer,
  replyError,
  traced,
  validatePayload,
  withTimeout,
  type AnswerHooks,
  type Closable,
  type IncomingMeta,
  type MessageBus,
  type Namespace,
  type ReplyEnvelope,
  type RequestOptions,
  type RpcContract,
  type SignalBus,
  type SignalContract,
} from '@junction/platform/ports';
import { OutageLog, ServiceOutageLogs } from '@junction/platform/logging';
import type { ServiceMetrics } from '@junction/platform/metrics';
import { ClaimCheck, DEFAULT_CLAIM_THRESHOLD_BYTES, RPC_CLAIMS } from './claim-check';
import { NatsLink } from './nats-link';
import { ReplyTurn } from './reply-turn';
import { RequestMux } from './request-mux';
import type { AccessGuard } from './nats-permissions';
import { H, decodeJson, encodeJson, incomingContext, messagingAttributes, outgoingHeaders } from './wire';

/**
 * Request/reply over core NATS. Each subject is served by a queue group, so replicas share the
 * load; the caller's deadline travels in a header and a handler skips work whose caller is gone.
 * Requests and replies above the claim threshold travel by reference; the reader of a reply, and
 * the caller for its own request, delete the stored copy once done.
 */
export class NatsMessageBus implements MessageBus, SignalBus {
  private readonly link: NatsLink;
  private readonly mux: RequestMux;
  // one line when a service (or a server behind it) stops answering and one when it is back, not one per call
  private readonly answerHooks: AnswerHooks;
  // per called service: one line when it stops answering and one when it is back
  private readonly outages: ServiceOutageLogs;
  // the replies finished in one event-loop turn leave in one socket write
  private readonly replies: ReplyTurn;

  constructor(
    private readonly nc: NatsConnection,
    private readonly ns: Namespace,
    private readonly logger: Logger,
    private readonly metrics: ServiceMetrics,
    private readonly defaultTimeoutMs: number,
    private readonly claims: ClaimCheck = new ClaimCheck(nc.jetstream(), ns, DEFAULT_CLAIM_THRESHOLD_BYTES, 1),
    private readonly guard?: AccessGuard,
  ) {
    this.link = NatsLink.of(nc);
    this.mux = RequestMux.of(nc);
    this.answerHooks = { logger, outage: new OutageLog(logger, 'a server or service this service needs') };
    this.outages = new ServiceOutageLogs(logger);
    this.replies = new ReplyTurn((error) => this.logger.error({ err: error }, 'could not send a reply'));
  }

  request<Req extends object, Res extends object>(contract: RpcContract<Req, Res>, payload: Req, options: RequestOptions = {}): Promise<Res> {
    return traced(`${contract.subject} request`, { kind: 'client', attributes: messagingAttributes(contract.subject) }, () => this.send(contract, payload, options));
  }

  private async send<Req extends object, Res extends object>(contract: RpcContract<Req, Res>, payload: Req, options: RequestOptions): Promise<Res> {
    const timeoutMs = options.timeoutMs ?? contract.timeoutMs ?? this.defaultTimeoutMs;
    const stop = this.metrics.rpcClientDuration.startTimer({ subject: contract.subject });
    let outcome = 'ok';
    let requestClaim: string | undefined;
    try {
      this.guard?.call(contract);
      // not validated here: the receiver checks every request it gets (#19), and refuses a bad one before its handler runs
      const headers = outgoingHeaders(options.workspaceId);
      headers.set(H.deadline, String(Date.now() + timeoutMs));
      const body = await this.claims.wrap(encodeJson(payload), headers, RPC_CLAIMS);
      requestClaim = this.claims.refOf(headers);
      let reply: Msg;
      const service = this.outages.of(contract.subject);
      try {
        reply = await this.link.guard(
          () => this.mux.request(this.ns.subject(contract.subject), body, headers, timeoutMs),
          () => new ConnectionLostError(contract.subject, timeoutMs),
        );
      } catch (error) {
        if (error instanceof ConnectionLostError) {
          outcome = 'connection_lost';
          throw error;
        }
        const code = (error as NatsError).code;
        if (code === ErrorCode.NoResponders || code === ErrorCode.Timeout) {
          outcome = 'timeout';
          if (code === ErrorCode.NoResponders) service.down();
          throw new DeadlineExceededError(contract.subject, timeoutMs, code === ErrorCode.NoResponders);
        }
        throw error;
      }
      const replyClaim = this.claims.refOf(reply.headers);
      const envelope = decodeJson(await this.claims.unwrap(reply.data, reply.headers)) as ReplyEnvelope;
      this.claims.release(replyClaim);
      if (!envelope.ok) {
        outcome = 'error';
        if (envelope.error.code === 'unavailable') service.down();
        else service.up();
        throw replyError(contract.subject, envelope.error);
      }
      service.up();
      return readAnswer(contract, envelope.data, this.logger);
    } catch (error) {
      if (error instanceof InvalidMessageError || error instanceof InvalidAnswerError) outcome = 'invalid';
      else if (outcome === 'ok') outcome = 'error';
      throw error;
    } finally {
      this.claims.release(requestClaim);
      stop({ outcome });
    }
  }

  async serve<Req extends object, Res extends object>(contract: RpcContract<Req, Res>, handler: (payload: Req, meta: IncomingMeta) => Promise<Res>): Promise<Closable> {
    this.guard?.serve(contract);
    const subject = this.ns.subject(contract.subject);
    const sub = this.nc.subscribe(subject, {
      queue: subject,
      callback: (err, msg) => {
        if (err) {
          this.logger.error({ err, subject: contract.subject }, 'subscription error');
          return;
        }
        void this.handle(contract, handler, msg);
      },
    });
    // The subscription is registered with the server once flushed: only then may callers rely on it.
    await this.nc.flush();
    return { close: async () => sub.drain() };
  }

  async emit<T extends object>(contract: SignalContract<T>, payload: T): Promise<void> {
    // an undeclared signal is a bug of this service: loud, not logged away
    this.guard?.emit(contract);
    try {
      const valid = ensureValid(contract.payload, payload, `${contract.subject} signal`);
      // a signal sent while the connection is down is buffered by the client and sent on reconnect, or lost: listeners expire what it was about on their own
      this.nc.publish(this.ns.subject(contract.subject), encodeJson(valid), { headers: outgoingHeaders() });
    } catch (error) {
      this.logger.warn({ err: error, subject: contract.subject }, 'signal not sent');
    }
  }

  async listen<T extends object>(contract: SignalContract<T>, handler: (payload: T) => void): Promise<Closable> {
    this.guard?.hear(contract);
    const sub = this.nc.subscribe(this.ns.subject(contract.subject), {
      callback: (err, msg) => {
        if (err) {
          this.logger.error({ err, subject: contract.subject }, 'subscription error');
          return;
        }
        try {
          handler(validatePayload(contract.payload, decodeJson(msg.data), `${contract.subject} signal`));
        } catch (error) {
          this.logger.warn({ err: error, subject: contract.subject }, 'signal dropped');
        }
      },
    });
    await this.nc.flush();
    return { close: async () => sub.drain() };
  }

  async ping(timeoutMs: number): Promise<void> {
    if (this.nc.isClosed()) throw new Error('NATS connection is closed');
    if (!this.link.isUp) throw new Error('NATS connection is down (reconnecting)');
    await withTimeout(this.nc.flush(), timeoutMs, () => new Error(`NATS did not answer a ping within ${timeoutMs} ms`));
  }

  private async handle<Req extends object, Res extends object>(
    contract: RpcContract<Req, Res>,
    handler: (payload: Req, meta: IncomingMeta) => Promise<Res>,
    msg: Msg,
  ): Promise<void> {
    const sent = incomingContext(msg.headers);
    const deadline = Number(msg.headers?.get(H.deadline)) || Date.now() + contract.timeoutMs;
    const stop = this.metrics.rpcServerDuration.startTimer({ subject: contract.subject });
    const span = { kind: 'server', parent: sent.traceparent, workspaceId: sent.workspaceId, attributes: messagingAttributes(contract.subject) } as const;
    await traced(`${contract.subject} serve`, span, async () => {
      const context = messageContext.current() ?? sent;
      if (Date.now() > deadline) {
        stop({ outcome: 'expired' });
        return; // nobody waits for the answer any more
      }
      const read = async () => decodeJson(await this.claims.unwrap(msg.data, msg.headers));
      const { envelope, outcome } = await answerRequest(contract, read, handler, { ...context, subject: contract.subject, deadline }, this.answerHooks);
      stop({ outcome });
      if (msg.reply) await this.reply(msg, envelope);
    });
  }

  private async reply(msg: Msg, envelope: ReplyEnvelope): Promise<void> {
    const encoded = encodeJson(envelope);
    if (encoded.length <= this.claims.thresholdBytes) {
      this.replies.send(() => msg.respond(encoded)); // the common case: no header block at all
      return;
    }
    const headers = natsHeaders();
    try {
      msg.respond(await this.claims.wrap(encoded, headers, RPC_CLAIMS), { headers });
    } catch (error) {
      this.logger.error({ err: error, subject: msg.subject }, 'could not store a large reply');
      msg.respond(encodeJson({ ok: false, error: { code: 'unavailable', message: 'the reply could not be delivered' } } satisfies ReplyEnvelope));
    }
  }
}
