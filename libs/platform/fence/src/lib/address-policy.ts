import ipaddr from 'ipaddr.js';
import { isIP } from 'node:net';

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

/** One `JUNCTION_HTTP_ALLOW` entry: an address or network, optionally limited to one port. */
export interface AllowEntry {
  text: string;
  network: IpAddress;
  prefix: number;
  port?: number;
}

/** A listener of the platform itself (its API, Postgres, NATS, Redis): never a destination, whatever the allow-list says. */
export interface PlatformListener {
  /** The variable it comes from, named in refusals. */
  source: string;
  host: string;
  port: number;
}

/** A platform listener with its host resolved; `local` when it listens on this machine (loopback, any address, an own interface). */
export interface ResolvedListener {
  source: string;
  port: number;
  addresses: IpAddress[];
  local: boolean;
}

/** A malformed allow-list; the message names every bad entry. */
export class AllowListError extends Error {
  override readonly name = 'AllowListError';
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');
const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR('::/96');

/**
 * A strictly written IP address: dotted-decimal IPv4 (no octal, hex or short forms) or IPv6
 * without a zone. Anything else is not an address here (names go through the resolver).
 */
export function parseAddress(text: string): IpAddress | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const family = bare.includes('%') ? 0 : isIP(bare);
  if (family === 4) return ipaddr.IPv4.parse(bare);
  if (family !== 6) return undefined;
  // ipaddr.js reads any dotted tail as IPv4-mapped (`::8.8.8.8` as `::ffff:8.8.8.8`); the URL
  // parser's canonical form has no dotted tail, so what is checked is what the OS connects to
  return ipaddr.IPv6.parse(new URL(`http://[${bare}]/`).hostname.slice(1, -1));
}

/**
 * The address a connection really reaches: an IPv4-mapped IPv6 address (`::ffff:7f00:1`, any
 * spelling) and one under the NAT64 well-known prefix (`64:ff9b::a00:1`) are their IPv4 address,
 * so they meet the same rules and the same allow-list entries.
 */
export function effectiveAddress(address: IpAddress): IpAddress {
  if (address.kind() !== 'ipv6') return address;
  const v6 = address as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
  if (v6.match(NAT64_WELL_KNOWN)) return new ipaddr.IPv4([v6.parts[6] >> 8, v6.parts[6] & 255, v6.parts[7] >> 8, v6.parts[7] & 255]);
  return v6;
}

/**
 * Addresses that stand for another address in a way this fence cannot follow (IPv4-compatible,
 * SIIT, local-use NAT64, 6to4, Teredo) or that mean "this host" (0.0.0.0/8, ::): refused even
 * when an allow-list entry covers them.
 */
function aliasRefusal(address: IpAddress): string | undefined {
  if (address.kind() === 'ipv4') return (address as ipaddr.IPv4).range() === 'unspecified' ? 'an unspecified address (it reaches this host)' : undefined;
  const v6 = address as ipaddr.IPv6;
  const range = v6.range();
  if (range === 'unspecified') return 'an unspecified address (it reaches this host)';
  if (range === 'loopback') return undefined;
  if (v6.match(IPV4_COMPATIBLE)) return 'an IPv4-compatible IPv6 address (deprecated; it embeds an IPv4 address)';
  if (range === 'rfc6145') return 'an IPv4-translated (SIIT) address';
  if (range === 'rfc6052' && !v6.match(NAT64_WELL_KNOWN)) return 'a local-use NAT64 address (it can embed any IPv4 address)';
  if (range === '6to4') return 'a 6to4 address (it embeds an IPv4 address)';
  if (range === 'teredo') return 'a Teredo address (it embeds IPv4 addresses)';
  return undefined;
}

function isLocal(address: IpAddress, interfaces: IpAddress[]): boolean {
  const range = address.range();
  if (range === 'loopback' || range === 'unspecified') return true;
  return interfaces.some((i) => i.kind() === address.kind() && i.toNormalizedString() === address.toNormalizedString());
}

function sameAddress(a: IpAddress, b: IpAddress): boolean {
  return a.kind() === b.kind() && a.toNormalizedString() === b.toNormalizedString();
}

const PORT = /^[1-9][0-9]{0,4}$/;
const PREFIX = /^(0|[1-9][0-9]{0,2})$/;

/**
 * One entry: `10.1.2.3`, `10.1.0.0/16`, `10.1.2.3:8080`, `10.1.0.0/16:5432`, `::1`, `fd00::/8`,
 * `[::1]:8080`, `[fd00::/8]:443`. Written strictly: a missing or out-of-range prefix, host bits
 * set under the prefix, a port out of range or a whole-internet `/0` is an error, not a guess.
 */
export function parseAllowEntry(raw: string): AllowEntry {
  const text = raw.trim();
  const fail = (why: string): never => {
    throw new AllowListError([`entry "${text}" ${why}`]);
  };
  let body = text;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    body = bracketed[1];
    portText = bracketed[2];
    if (!body.includes(':')) fail('puts an IPv4 address in brackets (brackets are for IPv6)');
  } else if (text.startsWith('[')) {
    fail('has an unclosed or misplaced "["');
  } else if ((text.match(/:/g) ?? []).length === 1) {
    [body, portText] = text.split(':');
  }
  if (portText !== undefined && (!PORT.test(portText) || Number(portText) > 65535)) fail(`has a port "${portText}" that is not 1-65535`);
  const [addressText, prefixText, ...extra] = body.split('/');
  if (extra.length) fail('has more than one "/"');
  const address = parseAddress(addressText);
  if (!address) fail('is not an IP address or CIDR (IPv4 dotted-decimal, IPv6; IPv6 with a port as [addr]:port)');
  const network = address as IpAddress;
  const max = network.kind() === 'ipv4' ? 32 : 128;
  let prefix = max;
  if (prefixText !== undefined) {
    if (!PREFIX.test(prefixText) || Number(prefixText) > max) fail(`has a prefix length "${prefixText}" that is not 1-${max}`);
    prefix = Number(prefixText);
    if (prefix === 0) fail('allows every address (/0): list the networks you mean');
    const base = network.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(`${addressText}/${prefix}`) : ipaddr.IPv6.networkAddressFromCIDR(`${addressText}/${prefix}`);
    if (!sameAddress(base, network)) fail(`has host bits set under /${prefix} (the network is ${base.toString()}/${prefix})`);
  }
  // the one embedding entry: NAT64 on (its addresses are then checked as the IPv4 address they embed)
  const nat64 = network.kind() === 'ipv6' && prefix === 96 && network.match(NAT64_WELL_KNOWN);
  if (!nat64 && effectiveAddress(network) !== network) fail('embeds an IPv4 address (IPv4-mapped or NAT64): write the IPv4 address itself');
  if (nat64 && portText !== undefined) fail('enables NAT64 (64:ff9b::/96) and cannot name a port');
  const alias = aliasRefusal(network);
  if (alias) fail(`is ${alias} and can never be allowed${network.kind() === 'ipv6' ? ' (to name a port of an IPv6 address write [address]:port)' : ''}`);
  return { text, network, prefix, ...(portText !== undefined ? { port: Number(portText) } : {}) };
}

/** `JUNCTION_HTTP_ALLOW`: comma-separated entries; blanks between commas are ignored. Throws naming every bad entry. */
export function parseAllowList(value: string | string[] | undefined): AllowEntry[] {
  const items = (Array.isArray(value) ? value : (value ?? '').split(',')).map((s) => s.trim()).filter(Boolean);
  const entries: AllowEntry[] = [];
  const problems: string[] = [];
  for (const item of items) {
    try {
      entries.push(parseAllowEntry(item));
    } catch (error) {
      problems.push(...((error as AllowListError).problems ?? [String(error)]));
    }
  }
  if (problems.length) throw new AllowListError(problems);
  return entries;
}

/** Where a service's own listeners are, from the variables every service reads. */
export interface PlatformListenerEnv {
  PORT?: number;
  METRICS_PORT?: number;
  HOST?: string;
  DATABASE_URL?: string;
  NATS_URL?: string;
  REDIS_URL?: string;
}

const DEFAULT_PORTS: Record<string, number> = { postgres: 5432, postgresql: 5432, nats: 4222, tls: 4222, ws: 80, wss: 443, redis: 6379, rediss: 6379 };

function listenersOf(source: string, value: string | undefined, scheme: string): PlatformListener[] {
  const out: PlatformListener[] = [];
  for (const part of (value ?? '').split(',').map((s) => s.trim())) {
    if (!part) continue;
    let url: URL;
    try {
      url = new URL(part.includes('://') ? part : `${scheme}://${part}`);
    } catch {
      continue;
    }
    const protocol = url.protocol.replace(/:$/, '');
    const port = Number(url.port) || DEFAULT_PORTS[protocol] || DEFAULT_PORTS[scheme];
    const hosts = [url.hostname.replace(/^\[|\]$/g, '')];
    // libpq style: ?host=… overrides the URL's host (a leading / is a Unix socket, nothing to fence)
    const queryHost = url.searchParams.get('host');
    if (queryHost && !queryHost.startsWith('/')) hosts.push(...queryHost.split(','));
    for (const host of hosts) if (host) out.push({ source, host, port });
  }
  return out;
}

/** The service's own HTTP and metrics ports and the Postgres, NATS and Redis it uses. */
export function platformListeners(env: PlatformListenerEnv): PlatformListener[] {
  return [
    ...(env.PORT ? [{ source: 'PORT', host: env.HOST || '0.0.0.0', port: env.PORT }] : []),
    ...(env.METRICS_PORT ? [{ source: 'METRICS_PORT', host: env.HOST || '0.0.0.0', port: env.METRICS_PORT }] : []),
    ...listenersOf('DATABASE_URL', env.DATABASE_URL, 'postgres'),
    ...listenersOf('NATS_URL', env.NATS_URL, 'nats'),
    ...listenersOf('REDIS_URL', env.REDIS_URL, 'redis'),
  ];
}

export interface AddressPolicyOptions {
  /** Refused whatever the allow-list says. */
  platformListeners?: PlatformListener[];
}

/**
 * Which addresses outbound connections may reach. Only public unicast addresses pass by
 * default: loopback, private, CGNAT, link-local (cloud metadata), unique-local, site-local,
 * multicast, documentation, benchmarking and reserved ranges are refused unless an allow-list
 * entry (`JUNCTION_HTTP_ALLOW`) covers the address (and its port, if the entry names one).
 * Addresses that alias "this host" or embed an IPv4 address the fence cannot follow are
 * refused always, and so are the platform's own listeners.
 */
export class AddressPolicy {
  readonly allow: AllowEntry[];
  readonly platformListeners: PlatformListener[];
  /** `64:ff9b::/96` is on the allow-list: NAT64 addresses are checked as the IPv4 address they embed instead of refused. */
  readonly nat64: boolean;

  constructor(allow: string[] | AllowEntry[] = [], options: AddressPolicyOptions = {}) {
    this.allow = allow.every((a) => typeof a === 'string') ? parseAllowList(allow as string[]) : (allow as AllowEntry[]);
    this.platformListeners = options.platformListeners ?? [];
    this.nat64 = this.allow.some((e) => e.network.kind() === 'ipv6' && e.prefix === 96 && e.network.match(NAT64_WELL_KNOWN));
  }

  /** From `JUNCTION_HTTP_ALLOW` and, when given, the service's environment (for its own listeners). */
  static fromEnv(allow: string | undefined, env: PlatformListenerEnv = {}): AddressPolicy {
    return new AddressPolicy(parseAllowList(allow), { platformListeners: platformListeners(env) });
  }

  /**
   * Undefined when `ip` (and `port`, when known) may be connected to; otherwise why not.
   * `listeners` are the platform's own, resolved; `interfaces` this machine's addresses.
   */
  refusal(ip: string, port?: number, listeners: ResolvedListener[] = [], interfaces: IpAddress[] = []): string | undefined {
    const parsed = parseAddress(ip);
    if (!parsed) return `"${ip}" is not an IP address`;
    const address = effectiveAddress(parsed);
    const alias = aliasRefusal(parsed) ?? aliasRefusal(address);
    if (alias) return `address ${ip} is ${alias}`;
    if (parsed.kind() === 'ipv6' && parsed.match(NAT64_WELL_KNOWN) && !this.nat64) {
      return `address ${ip} is a NAT64 address (allow-list 64:ff9b::/96 to reach IPv4 through NAT64; the embedded address is then checked)`;
    }
    if (port !== undefined) {
      for (const l of listeners) {
        if (l.port !== port) continue;
        if (l.addresses.some((a) => sameAddress(a, address)) || (l.local && isLocal(address, interfaces))) {
          return `${ip} port ${port} is one of the platform's own listeners (${l.source})`;
        }
      }
    }
    for (const entry of this.allow) {
      if (entry.network.kind() !== address.kind() || (entry.network.kind() === 'ipv6' && entry.network.match(NAT64_WELL_KNOWN))) continue;
      if (entry.port !== undefined && entry.port !== port) continue;
      if (address.match(entry.network, entry.prefix)) return undefined;
    }
    const range = address.range();
    if (range !== 'unicast') return `address ${ip} is not a public address (${range})`;
    return undefined;
  }
}

/** `::ffff:127.0.0.1` and `::ffff:7f00:1` are IPv4 addresses in disguise. */
export function unwrapMappedIPv4(ip: string): string {
  const parsed = parseAddress(ip);
  return parsed ? effectiveAddress(parsed).toString() : ip.toLowerCase().replace(/^\[|\]$/g, '');
}

/** Resolved listeners: `resolve` turns a host name into its addresses (the fence's resolver). */
export async function resolveListeners(listeners: PlatformListener[], resolve: (host: string) => Promise<string[]>, interfaces: IpAddress[]): Promise<ResolvedListener[]> {
  return Promise.all(
    listeners.map(async (l) => {
      const literal = parseAddress(l.host);
      let texts: string[] = [];
      if (literal) texts = [l.host];
      else {
        try {
          texts = await resolve(l.host);
        } catch {
          texts = [];
        }
      }
      const addresses = texts
        .map(parseAddress)
        .filter((a): a is IpAddress => a !== undefined)
        .map(effectiveAddress);
      const local = l.host === 'localhost' || addresses.some((a) => isLocal(a, interfaces));
      return { source: l.source, port: l.port, addresses, local };
    }),
  );
}
