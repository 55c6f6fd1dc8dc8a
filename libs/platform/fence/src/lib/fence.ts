import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Socket, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { parseAddress, resolveListeners, type AddressPolicy, type IpAddress, type ResolvedListener } from './address-policy';

/** Resolves a host name to every address (tests pass a fake DNS). */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses: LookupAddress[]) => (err ? reject(err) : resolve(addresses))));

/** The fence refused a destination. Retrying cannot help. */
export class FenceRefusal extends Error {
  override readonly name = 'FenceRefusal';
  readonly code = 'ERR_FENCE_REFUSED';
}

export interface FenceOptions {
  policy: AddressPolicy;
  resolver?: Resolver;
  /** Longest a name resolution may take, ms. */
  resolveTimeoutMs?: number;
  /** How long the resolved platform listeners and this machine's interface addresses are reused, ms. */
  listenerCacheMs?: number;
}

const HOST_NAME = /^[A-Za-z0-9_]([A-Za-z0-9_.-]{0,252})$/;

/**
 * A host as a connection would read it, in one canonical spelling: IPv4 written as a number,
 * in octal or hex (`2130706433`, `0x7f.1`, `0177.0.0.1`) becomes dotted-decimal the way the URL
 * parser and the C resolver read it; IPv6 loses its brackets. Unix socket paths, zone ids, user
 * info and anything that is not a host name are refused.
 */
export function canonicalHost(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare === '') throw new FenceRefusal('no host given');
  if (bare.startsWith('/') || bare.startsWith('@') || bare.includes('/') || bare.includes('\\')) {
    throw new FenceRefusal(`"${host}" is a path or socket, not a network host`);
  }
  if (bare.includes(':')) {
    if (bare.includes('%') || isIP(bare) !== 6) throw new FenceRefusal(`"${host}" is not a valid IPv6 address (zone ids are not allowed)`);
    return bare.toLowerCase();
  }
  if (!HOST_NAME.test(bare)) throw new FenceRefusal(`"${host}" is not a valid host name`);
  let parsed: string;
  try {
    parsed = new URL(`http://${bare}/`).hostname;
  } catch {
    throw new FenceRefusal(`"${host}" is not a valid host name`);
  }
  return parsed.replace(/\.$/, '');
}

interface FenceContext {
  listeners: ResolvedListener[];
  interfaces: IpAddress[];
}

/**
 * The one way out of the platform to an address a tenant chose: resolve the host, check every
 * address it resolves to (and the port) against the policy, then connect to the very address
 * that was checked — never a second resolution, so DNS rebinding between check and connect has
 * nothing to race. HTTP clients (`fencedDispatcher`, for undici: the connector SDK's client and the
 * OAuth token endpoints), database drivers (`socket()`, for `pg`) all connect through it; there is
 * no Node `http.Agent` way out, as nothing in the platform makes requests with `node:http`.
 */
export class Fence {
  readonly policy: AddressPolicy;
  private readonly resolver: Resolver;
  private readonly resolveTimeoutMs: number;
  private readonly cacheMs: number;
  private cached?: { at: number; context: Promise<FenceContext> };

  constructor(options: FenceOptions) {
    this.policy = options.policy;
    this.resolver = options.resolver ?? systemResolver;
    this.resolveTimeoutMs = options.resolveTimeoutMs ?? 5_000;
    this.cacheMs = options.listenerCacheMs ?? 30_000;
  }

  /** The checked addresses of `host` for a connection to `port`, in the resolver's order; throws `FenceRefusal` if any is refused. */
  async resolve(host: string, port: number): Promise<LookupAddress[]> {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new FenceRefusal(`port ${port} is not 1-65535`);
    const name = canonicalHost(host);
    const literal = parseAddress(name) !== undefined;
    const found = literal ? [{ address: name, family: isIP(name) }] : await this.lookup(name);
    if (found.length === 0) throw Object.assign(new Error(`${name} did not resolve`), { code: 'ENOTFOUND' });
    const { listeners, interfaces } = await this.context();
    for (const a of found) {
      const refusal = this.policy.refusal(a.address, port, listeners, interfaces);
      if (refusal) throw new FenceRefusal(literal ? refusal : `${name} resolves to a refused address: ${refusal}`);
    }
    return found.map((a) => ({ address: a.address, family: a.family }));
  }

  /** An unconnected socket whose `connect(port, host)` goes through `resolve` (for drivers that take a stream, like `pg`). */
  socket(): Socket {
    return new FencedSocket(this);
  }

  /** A TCP connection to a checked address of `host:port`. */
  connect(host: string, port: number, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<Socket> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const socket = this.socket();
      const timer = setTimeout(() => socket.destroy(Object.assign(new Error(`connecting to ${host}:${port} took longer than ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
      const onAbort = () => socket.destroy(Object.assign(new Error('the connection attempt was aborted'), { code: 'ABORT_ERR' }));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const onError = (error: Error) => {
        settle();
        reject(error);
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        settle();
        socket.off('error', onError);
        resolve(socket);
      });
      socket.connect(port, host);
    });
  }

  private async lookup(name: string): Promise<{ address: string; family: number }[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`resolving ${name} took longer than ${this.resolveTimeoutMs} ms`), { code: 'ETIMEDOUT' })), this.resolveTimeoutMs);
    });
    try {
      return await Promise.race([this.resolver(name), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private context(): Promise<FenceContext> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < this.cacheMs) return this.cached.context;
    const interfaces = localAddresses();
    const context = resolveListeners(this.policy.platformListeners, async (host) => (await this.lookup(host)).map((a) => a.address), interfaces).then((listeners) => ({
      listeners,
      interfaces,
    }));
    this.cached = { at: now, context };
    return context;
  }
}

function localAddresses(): IpAddress[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((i) => parseAddress(i.address))
    .filter((a): a is IpAddress => a !== undefined);
}

class FencedSocket extends Socket {
  constructor(private readonly fence: Fence) {
    super();
  }

  override connect(...args: unknown[]): this {
    if (typeof args[args.length - 1] === 'function') this.once('connect', args.pop() as () => void);
    const [first, second] = args;
    let port: number;
    let host: string;
    if (typeof first === 'object' && first !== null) {
      const o = first as { port?: unknown; host?: unknown; path?: unknown };
      port = o.path !== undefined ? NaN : Number(o.port);
      host = typeof o.host === 'string' ? o.host : 'localhost';
    } else {
      port = typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first)) ? Number(first) : NaN;
      host = typeof second === 'string' ? second : 'localhost';
    }
    this.fence.resolve(host, port).then(
      ([checked]) => {
        if (!this.destroyed) super.connect({ port, host: checked.address, family: checked.family });
      },
      (error: Error) => this.destroy(Number.isNaN(port) ? new FenceRefusal('only TCP connections to a host and port are allowed (no Unix sockets)') : error),
    );
    return this;
  }
}
