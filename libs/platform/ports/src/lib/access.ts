import type { EventContract, RpcContract, SignalContract, StreamDefinition } from './contracts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyRpc = RpcContract<any, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyEvent = EventContract<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySignal = SignalContract<any>;

/** A durable consumer a service owns (consumes) or only watches (reads its backlog). */
export interface ConsumerAccess {
  readonly contract: AnyEvent;
  /** Durable name as the code passes it (without namespace). */
  readonly durable: string;
}

/**
 * Everything one service does on NATS, named by contract. It is the single source of the
 * service's NATS permissions (see `natsPermissions`) and, at run time, of what the service's bus
 * and queue let it do, so the deployed permissions cannot silently fall behind the code.
 */
export interface ServiceAccess {
  readonly service: string;
  /** Request/reply subjects it answers. */
  readonly serves: readonly AnyRpc[];
  /** Request/reply subjects it calls. */
  readonly calls: readonly AnyRpc[];
  /** Durable events it publishes. */
  readonly publishes: readonly AnyEvent[];
  /** Durable consumers it reads messages from. */
  readonly consumes: readonly ConsumerAccess[];
  /** Durable consumers whose backlog it only reads (consumer info, never messages). */
  readonly watches?: readonly ConsumerAccess[];
  /** Core pub/sub signals it sends. */
  readonly emits?: readonly AnySignal[];
  /** Core pub/sub signals it listens to. */
  readonly hears?: readonly AnySignal[];
}

/**
 * The service a stream belongs to: the domain its subjects start with (`audit.event.>` is the
 * audit service's). Only that service may change the stream's limits; a publisher could otherwise
 * shorten the retention of what it is accountable for (the AUDIT stream) or of others' work.
 */
export function streamOwner(stream: StreamDefinition): string {
  return stream.subjects[0]?.split('.')[0] ?? '';
}

/** A use of NATS that the service's `ServiceAccess` does not declare: the deployed permissions would refuse it too. */
export class UndeclaredAccessError extends Error {
  override readonly name = 'UndeclaredAccessError';
}

/**
 * Holds a service to its declared `ServiceAccess` in every environment, also where NATS has no
 * authentication (a laptop, the test suite): a use missing from the declaration fails here, with
 * the place to fix it, instead of only in production as a permission violation.
 */
export class AccessGuard {
  private readonly serves: Set<string>;
  private readonly calls: Set<string>;
  private readonly publishes: Set<string>;
  private readonly consumers: Set<string>;
  private readonly watched: Set<string>;
  private readonly streams: Set<string>;
  private readonly emits: Set<string>;
  private readonly hears: Set<string>;

  constructor(readonly access: ServiceAccess) {
    this.emits = new Set((access.emits ?? []).map((c) => c.subject));
    this.hears = new Set((access.hears ?? []).map((c) => c.subject));
    this.serves = new Set(access.serves.map((c) => c.subject));
    this.calls = new Set(access.calls.map((c) => c.subject));
    this.publishes = new Set(access.publishes.map((c) => c.subject));
    this.consumers = new Set(access.consumes.map((c) => `${c.contract.subject}|${c.durable}`));
    this.watched = new Set([...access.consumes, ...(access.watches ?? [])].map((c) => `${c.contract.stream.name}|${c.durable}`));
    this.streams = new Set([...access.publishes.map((c) => c.stream.name), ...[...access.consumes, ...(access.watches ?? [])].map((c) => c.contract.stream.name)]);
  }

  serve(contract: AnyRpc): void {
    if (!this.serves.has(contract.subject)) this.fail(`serves ${contract.subject}`, 'serves');
  }

  call(contract: AnyRpc): void {
    if (!this.calls.has(contract.subject)) this.fail(`calls ${contract.subject}`, 'calls');
  }

  publish(contract: AnyEvent): void {
    if (!this.publishes.has(contract.subject)) this.fail(`publishes ${contract.subject}`, 'publishes');
  }

  emit(contract: AnySignal): void {
    if (!this.emits.has(contract.subject)) this.fail(`emits ${contract.subject}`, 'emits');
  }

  hear(contract: AnySignal): void {
    if (!this.hears.has(contract.subject)) this.fail(`listens to ${contract.subject}`, 'hears');
  }

  consume(contract: AnyEvent, durable: string): void {
    if (!this.consumers.has(`${contract.subject}|${durable}`)) this.fail(`consumes ${contract.subject} as durable "${durable}"`, 'consumes');
  }

  watch(contract: AnyEvent, durable: string): void {
    if (!this.watched.has(`${contract.stream.name}|${durable}`)) this.fail(`reads the backlog of durable "${durable}" on ${contract.stream.name}`, 'watches');
  }

  stream(stream: StreamDefinition): void {
    if (!this.streams.has(stream.name)) this.fail(`uses stream ${stream.name}`, 'publishes/consumes');
  }

  /** May this service change the stream's configuration (see `streamOwner`)? */
  owns(stream: StreamDefinition): boolean {
    return streamOwner(stream) === this.access.service;
  }

  private fail(what: string, field: string): never {
    throw new UndeclaredAccessError(
      `service "${this.access.service}" ${what} without declaring it in its ServiceAccess (${field}); NATS permissions are generated from that declaration`,
    );
  }
}
