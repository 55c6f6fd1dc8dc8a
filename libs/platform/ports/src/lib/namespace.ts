/**
 * Maps logical names to the names on the wire for one deployment namespace, so several
 * deployments or test runs share a NATS server without seeing each other's traffic.
 */
export class Namespace {
  constructor(readonly prefix: string) {
    if (!/^[a-z][a-z0-9_]{0,30}$/.test(prefix)) throw new Error(`namespace "${prefix}" must be lower-case letters, digits and _`);
  }

  subject(subject: string): string {
    return `${this.prefix}.${subject}`;
  }

  /** Strips the prefix from a subject received on the wire. */
  logicalSubject(wire: string): string {
    return wire.startsWith(`${this.prefix}.`) ? wire.slice(this.prefix.length + 1) : wire;
  }

  stream(name: string): string {
    return `${this.prefix.toUpperCase()}_${name}`;
  }

  consumer(durable: string): string {
    return `${this.prefix}_${durable.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
  }

  key(key: string): string {
    return `${this.prefix}:${key}`;
  }
}
