import { subjectMatches, type EventContract, type Namespace, type RpcContract, type SignalContract, type StreamDefinition } from '@junction/platform/ports';
import { RPC_CLAIMS, streamClaims } from './claim-check';

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

/** A user's permission block in nats-server's configuration. */
export interface NatsPermissions {
  publish: { allow: string[] };
  subscribe: { allow: string[] };
  /** Lets a service answer a request it received, once, without a publish grant on the caller's inbox. */
  allow_responses?: boolean;
}

/**
 * The inbox prefix of one service's connection. Replies and JetStream deliveries arrive under it,
 * and only that service may subscribe to it, so no other service can read its replies (the
 * default `_INBOX.>` would have to be open to every user).
 */
export function serviceInboxPrefix(ns: Namespace, service: string): string {
  return `_INBOX_${ns.prefix}_${service}`;
}

function objectStoreSubjects(bucket: string): string[] {
  const stream = `OBJ_${bucket}`;
  return [
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.STREAM.CREATE.${stream}`,
    `$JS.API.STREAM.PURGE.${stream}`,
    `$JS.API.STREAM.MSG.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    // reading an object runs an ordered (ephemeral) consumer with flow control, after the client
    // looks its stream up by subject (stream names only, no content)
    '$JS.API.STREAM.NAMES',
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.DELETE.${stream}.>`,
    `$JS.FC.${stream}.>`,
    `$O.${bucket}.C.>`,
    `$O.${bucket}.M.>`,
  ];
}

/**
 * The service a stream belongs to: the domain its subjects start with (`audit.event.>` is the
 * audit service's). Only that service may change the stream's limits; a publisher could otherwise
 * shorten the retention of what it is accountable for (the AUDIT stream) or of others' work.
 */
export function streamOwner(stream: StreamDefinition): string {
  return stream.subjects[0]?.split('.')[0] ?? '';
}

function streamManagement(stream: string, owner: boolean): string[] {
  // every user of a stream may create it (with the one configuration the code defines), so
  // whichever service starts first can work; creating an existing stream differently fails
  return [`$JS.API.STREAM.INFO.${stream}`, `$JS.API.STREAM.CREATE.${stream}`, ...(owner ? [`$JS.API.STREAM.UPDATE.${stream}`] : [])];
}

/**
 * Derives one service's NATS permissions from its `ServiceAccess`: the subjects it serves and
 * calls, its own inbox, the JetStream API of exactly its streams and durable consumers, the
 * claim-check buckets of those, and the stream subjects it publishes. Everything else — other
 * services' subjects, other inboxes, other streams' consumers, `$SYS` — is denied.
 */
export function natsPermissions(ns: Namespace, access: ServiceAccess): NatsPermissions {
  const publish = new Set<string>(['$JS.API.INFO']);
  const subscribe = new Set<string>([`${serviceInboxPrefix(ns, access.service)}.>`]);
  const streams = new Map<string, StreamDefinition>();

  for (const rpc of access.serves) subscribe.add(ns.subject(rpc.subject));
  for (const rpc of access.calls) publish.add(ns.subject(rpc.subject));
  for (const event of access.publishes) {
    publish.add(ns.subject(event.subject));
    streams.set(event.stream.name, event.stream);
  }
  for (const { contract, durable } of access.consumes) {
    const stream = ns.stream(contract.stream.name);
    const consumer = ns.consumer(durable);
    streams.set(contract.stream.name, contract.stream);
    for (const subject of [
      `$JS.API.CONSUMER.CREATE.${stream}.${consumer}`,
      `$JS.API.CONSUMER.CREATE.${stream}.${consumer}.>`,
      `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.${consumer}`,
      `$JS.API.CONSUMER.INFO.${stream}.${consumer}`,
      `$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`,
      `$JS.ACK.${stream}.${consumer}.>`,
    ]) {
      publish.add(subject);
    }
  }
  for (const signal of access.emits ?? []) publish.add(ns.subject(signal.subject));
  for (const signal of access.hears ?? []) subscribe.add(ns.subject(signal.subject));
  for (const { contract, durable } of access.watches ?? []) {
    const stream = ns.stream(contract.stream.name);
    streams.set(contract.stream.name, contract.stream);
    publish.add(`$JS.API.CONSUMER.INFO.${stream}.${ns.consumer(durable)}`);
  }
  for (const [name, def] of streams) {
    for (const subject of streamManagement(ns.stream(name), streamOwner(def) === access.service)) publish.add(subject);
    for (const subject of objectStoreSubjects(ns.stream(streamClaims(name, def.maxAgeMs ?? 0).name))) publish.add(subject);
  }
  if (access.serves.length > 0 || access.calls.length > 0) {
    for (const subject of objectStoreSubjects(ns.stream(RPC_CLAIMS.name))) publish.add(subject);
  }

  return {
    publish: { allow: [...publish].sort() },
    subscribe: { allow: [...subscribe].sort() },
    ...(access.serves.length > 0 ? { allow_responses: true } : {}),
  };
}

/** How a service proves who it is to nats-server. */
export type NatsUserCredential = { user: string; password: string } | { nkey: string };

export interface NatsUserEntry {
  readonly credential: NatsUserCredential;
  readonly permissions: NatsPermissions;
}

/**
 * The `authorization { users = [...] }` block of a nats-server configuration (the server's
 * configuration format accepts JSON values). With it in place a connection without valid
 * credentials is refused.
 */
export function natsAuthorizationBlock(users: readonly NatsUserEntry[]): string {
  const entries = users.map((u) => JSON.stringify({ ...u.credential, permissions: u.permissions }, null, 2).replace(/^/gm, '    '));
  return `authorization {\n  users = [\n${entries.join(',\n')}\n  ]\n}\n`;
}

/** Does a permission list let `subject` through? (NATS wildcards: `*` one token, `>` the rest) */
export function permitted(patterns: readonly string[], subject: string): boolean {
  return patterns.some((pattern) => subjectMatches(pattern, subject));
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
