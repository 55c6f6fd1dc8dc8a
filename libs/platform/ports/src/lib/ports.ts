import type { EventContract, RpcContract, SignalContract, StreamDefinition } from './contracts';
import type { MessageContext } from './trace-context';

export interface Closable {
  close(): Promise<void>;
}

export interface RequestOptions {
  /** Overrides the contract's deadline, ms. */
  timeoutMs?: number;
  workspaceId?: string;
}

/** Handler side of a request: the validated payload plus where it came from. */
export interface IncomingMeta extends MessageContext {
  subject: string;
  /** Epoch ms after which the caller has stopped waiting. */
  deadline: number;
}

/**
 * Request/reply between services. Adapters: NATS (cluster), in-process (standalone). Each side
 * validates what it receives, not what it sends (#19): the serving side the request (a refusal
 * reaches the caller as the `InvalidMessageError` listing the fields, and the handler never runs),
 * the caller the answer (a broken one is an `internal` RemoteError, logged with its fields).
 */
export interface MessageBus {
  request<Req extends object, Res extends object>(contract: RpcContract<Req, Res>, payload: Req, options?: RequestOptions): Promise<Res>;
  serve<Req extends object, Res extends object>(contract: RpcContract<Req, Res>, handler: (payload: Req, meta: IncomingMeta) => Promise<Res>): Promise<Closable>;
  /** Resolves when the transport answers a round trip; rejects otherwise. */
  ping(timeoutMs: number): Promise<void>;
}

/** Core pub/sub signals (see `SignalContract`): at most once, to every listener connected at the time. */
export interface SignalBus {
  /** Rejects only for a signal the service did not declare (a bug); one that cannot be sent is logged, listeners fall back on their own expiry. */
  emit<T extends object>(contract: SignalContract<T>, payload: T): Promise<void>;
  /** Every process listening gets every signal (no queue group); an invalid payload is logged and dropped. */
  listen<T extends object>(contract: SignalContract<T>, handler: (payload: T) => void): Promise<Closable>;
}

export interface PublishOptions {
  /** Dedupe id: a second publish with the same id within the stream's window is dropped. */
  msgId?: string;
  workspaceId?: string;
}

export interface PublishResult {
  sequence: number;
  duplicate: boolean;
}

export interface DeliveryMeta extends MessageContext {
  subject: string;
  msgId?: string;
  /** 1 on first delivery. */
  deliveryCount: number;
  sequence: number;
}

/** Returned by a durable handler to steer the message explicitly; resolving with nothing acks. */
export type DeliveryOutcome = { action: 'ack' } | { action: 'retry'; delayMs?: number } | { action: 'drop'; reason: string };

export interface ConsumeOptions {
  /** Durable consumer name; the adapter prefixes it with the namespace. */
  durable: string;
  /** Redeliveries stop after this many attempts, then the message goes to the adapter's dead-letter handling. */
  maxDeliver?: number;
  /** Unacked messages are redelivered after this, ms. */
  ackWaitMs?: number;
  /** Messages handled at once by this process. */
  concurrency?: number;
  /** Restrict to one subject of the stream. */
  filterSubject?: string;
  /**
   * Keeps a message the adapter is about to drop (invalid, or failed on its last delivery): the
   * adapter drops it once this resolves. If it throws, the message is redelivered while
   * deliveries remain; on the last one it is logged and dropped.
   */
  deadLetter?: (message: DeadMessage) => Promise<void>;
}

/** Why a consumer gave a message up: its body failed validation, or its last delivery failed. */
export type DeadReason = 'invalid' | 'max_deliveries';

/** A message a consumer gives up on, as handed to its `deadLetter`. */
export interface DeadMessage {
  subject: string;
  sequence: number;
  deliveryCount: number;
  reason: DeadReason;
  /** Which validation failed, or the last delivery's error message. */
  detail: string;
  /** The body parsed as JSON, its text when it is not JSON, undefined when it could not be read. */
  body: unknown;
  /** The workspace named by the message's headers (the body's own may be what is invalid). */
  workspaceId?: string;
  msgId?: string;
}

/**
 * Durable work: a message published is stored before `publish` resolves and is delivered until
 * acknowledged. Handler resolves → ack; throws → redelivered with backoff; payload invalid → dropped.
 * The consumer validates every payload it reads; `publish` does not check it again (#19), so a
 * publisher's invalid payload is stored and becomes an `invalid` dead letter, never a handler's input.
 */
export interface DurableQueue {
  ensureStream(stream: StreamDefinition): Promise<void>;
  publish<T extends object>(contract: EventContract<T>, payload: T, options?: PublishOptions): Promise<PublishResult>;
  consume<T extends object>(contract: EventContract<T>, handler: (payload: T, meta: DeliveryMeta) => Promise<DeliveryOutcome | void>, options: ConsumeOptions): Promise<Closable>;
  /**
   * Messages of `contract` stored and not yet acknowledged by the durable consumer `durable`
   * (waiting plus in flight); when that consumer does not exist yet, every stored message of the stream.
   */
  backlog<T extends object>(contract: EventContract<T>, durable: string): Promise<number>;
}

/** Short-lived shared values (verdicts, idempotency records). Never the only copy of anything. */
export interface Cache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Sets only if absent; true when this call set it. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  delete(key: string): Promise<void>;
}

export interface LockHandle {
  release(): Promise<void>;
}

/** Mutual exclusion across replicas, with a lease so a dead holder does not block forever. */
export interface DistributedLock {
  tryAcquire(key: string, ttlMs: number): Promise<LockHandle | undefined>;
}

/** One dependency the readiness probe waits on. */
export interface ReadinessCheck {
  readonly name: string;
  check(timeoutMs: number): Promise<void>;
}

export const MESSAGE_BUS = Symbol('MessageBus');
export const SIGNAL_BUS = Symbol('SignalBus');
export const DURABLE_QUEUE = Symbol('DurableQueue');
export const CACHE = Symbol('Cache');
export const DISTRIBUTED_LOCK = Symbol('DistributedLock');
export const READINESS_CHECKS = Symbol('ReadinessChecks');
