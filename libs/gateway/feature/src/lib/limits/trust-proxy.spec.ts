import { isTrustProxy, trustProxySetting } from './trust-proxy';
import { addressBucket } from './client-address';

describe('TRUST_PROXY and client address buckets', () => {
  it('accepts empty, hops, and lists of addresses, CIDRs and presets; refuses anything else', () => {
    for (const ok of ['', '1', '2', 'loopback', '10.0.0.0/8, 192.168.1.10', '::1,fd00::/8,uniquelocal']) expect(isTrustProxy(ok)).toBe(true);
    for (const bad of ['0', '11', '10.0.0.0/', 'proxy.example.com', '10.0.0.0/33', 'loopback,', '*']) expect(isTrustProxy(bad)).toBe(false);
    expect(trustProxySetting('')).toBe(false);
    expect(trustProxySetting('2')).toBe(2);
    expect(trustProxySetting('loopback, 10.0.0.0/8')).toEqual(['loopback', '10.0.0.0/8']);
  });

  it('counts an IPv6 client by its /64 and an IPv4-mapped one as IPv4', () => {
    expect(addressBucket('2001:db8:1:2:aaaa::1')).toBe(addressBucket('2001:db8:1:2:ffff:eeee:dddd:cccc'));
    expect(addressBucket('2001:db8:1:2::1')).not.toBe(addressBucket('2001:db8:1:3::1'));
    expect(addressBucket('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressBucket(undefined)).toBe('unknown');
    expect(addressBucket('not an ip')).toBe('unknown');
  });
});
