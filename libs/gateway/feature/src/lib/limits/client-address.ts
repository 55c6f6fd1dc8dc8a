import ipaddr from 'ipaddr.js';

/**
 * The bucket a client address is counted in: an IPv4 address as is (an IPv4-mapped IPv6 one
 * unwrapped), an IPv6 address by its /64 — one subscriber usually holds a whole /64, so counting
 * single IPv6 addresses would give an attacker 2^64 fresh budgets.
 *
 * The address is what Express computed (`req.ip`): the socket's peer unless the operator named
 * trusted proxies (`TRUST_PROXY`), so a client cannot pick its own bucket with X-Forwarded-For.
 */
export function addressBucket(ip: string | undefined): string {
  if (!ip || !ipaddr.isValid(ip)) return 'unknown';
  const parsed = ipaddr.process(ip);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((p) => p.toString(16)).join(':')}::/64`;
}
