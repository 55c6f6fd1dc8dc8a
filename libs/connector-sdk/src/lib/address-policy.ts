import { BlockList, isIP } from 'node:net';

/**
 * Which addresses outbound calls may reach. Loopback, link-local, private, CGNAT, multicast,
 * unspecified and cloud-metadata ranges are refused unless allow-listed by the operator
 * (`JUNCTION_HTTP_ALLOW`: comma-separated IPs or CIDRs, e.g. `127.0.0.1,::1,10.1.0.0/16`).
 */
export class AddressPolicy {
  private readonly blocked = new BlockList();
  private readonly allowed = new BlockList();

  constructor(allow: string[] = []) {
    const v4: [string, number][] = [
      ['0.0.0.0', 8],
      ['10.0.0.0', 8],
      ['100.64.0.0', 10],
      ['127.0.0.0', 8],
      ['169.254.0.0', 16],
      ['172.16.0.0', 12],
      ['192.0.0.0', 24],
      ['192.168.0.0', 16],
      ['198.18.0.0', 15],
      ['224.0.0.0', 4],
      ['240.0.0.0', 4],
    ];
    for (const [net, prefix] of v4) this.blocked.addSubnet(net, prefix, 'ipv4');
    const v6: [string, number][] = [
      ['::', 128],
      ['::1', 128],
      ['fc00::', 7], // unique local
      ['fe80::', 10], // link-local
      ['ff00::', 8], // multicast
      ['fd00:ec2::', 32], // AWS metadata over IPv6 (inside fc00::/7 already; kept for the record)
      ['64:ff9b::', 96], // NAT64 can embed any IPv4, including private ones
    ];
    for (const [net, prefix] of v6) this.blocked.addSubnet(net, prefix, 'ipv6');
    for (const entry of allow.map((a) => a.trim()).filter(Boolean)) {
      const [address, prefix] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (!isIP(address)) throw new Error(`JUNCTION_HTTP_ALLOW entry "${entry}" is not an IP address or CIDR`);
      if (prefix === undefined) this.allowed.addAddress(address, family);
      else this.allowed.addSubnet(address, Number(prefix), family);
    }
  }

  static fromEnv(value: string | undefined): AddressPolicy {
    return new AddressPolicy((value ?? '').split(','));
  }

  /** Undefined when `ip` may be called; otherwise why not. */
  refusal(ip: string): string | undefined {
    const normalized = unwrapMappedIPv4(ip);
    const family = isIP(normalized) === 6 ? 'ipv6' : isIP(normalized) === 4 ? 'ipv4' : undefined;
    if (!family) return `"${ip}" is not an IP address`;
    if (this.allowed.check(normalized, family)) return undefined;
    if (this.blocked.check(normalized, family)) return `address ${ip} is not a public address (loopback, private, link-local or metadata)`;
    return undefined;
  }
}

/** `::ffff:127.0.0.1` and `::ffff:7f00:1` are IPv4 addresses in disguise. */
export function unwrapMappedIPv4(ip: string): string {
  const lower = ip.toLowerCase().replace(/^\[|\]$/g, '');
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const hi = parseInt(hex[1], 16);
    const lo = parseInt(hex[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return lower;
}
