import { streamOwner, subjectMatches, type Namespace, type ServiceAccess, type StreamDefinition } from '@junction/platform/ports';

// the declarations and their in-process guard live in ports (every adapter enforces them); re-exported for existing imports
export { AccessGuard, UndeclaredAccessError, streamOwner, type ConsumerAccess, type ServiceAccess } from '@junction/platform/ports';
import { RPC_CLAIMS, streamClaims } from './claim-check';

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
