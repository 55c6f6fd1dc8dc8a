import { IsString } from 'class-validator';
import { request } from 'undici';
import { ConfigError, loadConfig } from '@junction/platform/config';
import { TcpCanary } from '@junction/shared/testing';
import { AddressPolicy, AllowListError, parseAllowList } from './address-policy';
import { IsFenceAllowList } from './allow-list.validator';
import { Fence, FenceRefusal, type Resolver } from './fence';
import { fencedDispatcher } from './fenced-dispatcher';

/** Fake DNS: what an attacker's own name server would answer. */
const dns: Record<string, string[]> = {
  'evil.test': ['127.0.0.1'],
  'metadata.test': ['169.254.169.254'],
  'rebind.test': ['93.184.216.34', '127.0.0.1'],
  'mapped.test': ['::ffff:127.0.0.1'],
  'v6loop.test': ['::1'],
  'nat64.test': ['64:ff9b::7f00:1'],
  'public.test': ['93.184.216.34'],
  'db.internal': ['10.9.9.9'],
  localhost: ['127.0.0.1', '::1'],
};
const resolver: Resolver = async (name) => {
  const found = dns[name];
  if (!found) throw Object.assign(new Error(`ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

const refused = [
  // IPv4 special-purpose ranges
  '127.0.0.1',
  '127.255.255.254',
  '10.0.0.1',
  '172.16.0.1',
  '172.31.255.255',
  '192.168.1.1',
  '100.64.0.1',
  '169.254.169.254',
  '0.0.0.0',
  '0.1.2.3',
  '255.255.255.255',
  '224.0.0.1',
  '240.0.0.1',
  '198.18.0.1',
  '192.0.0.8',
  '192.0.2.1',
  '198.51.100.1',
  '203.0.113.1',
  // IPv6 special-purpose ranges
  '::1',
  '::',
  'fe80::1',
  'fc00::1',
  'fd00:ec2::254',
  'fec0::1',
  'feff::1',
  'ff02::1',
  '100::1',
  '2001:db8::1',
  '2001:2::1',
  '3fff::1',
  // IPv4 embedded in IPv6, every spelling
  '::ffff:127.0.0.1',
  '::ffff:7f00:1',
  '0:0:0:0:0:ffff:7f00:1',
  '::FFFF:7F00:1',
  '::ffff:a9fe:a9fe',
  '::ffff:0:7f00:1',
  '::7f00:1',
  '::127.0.0.1',
  '::a00:1',
  '::8.8.8.8',
  '64:ff9b::7f00:1',
  '64:ff9b::127.0.0.1',
  '64:ff9b::a9fe:a9fe',
  '64:ff9b::a00:1',
  '64:ff9b::808:808',
  '64:ff9b:1::a00:1',
  '64:ff9b:1::808:808',
  '2002:7f00:1::1',
  '2002:a00:1::1',
  '2002:808:808::1',
  '2001:0:4136:e378:8000:63bf:3fff:fdd2',
  '2001::1',
];

const allowed = ['93.184.216.34', '8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '2a00:1450:4001::1', '::ffff:8.8.8.8', '::ffff:808:808'];

describe('outbound fence: addresses an attacker would aim at', () => {
  const policy = new AddressPolicy([]);

  it.each(refused)('refuses %s with the empty allow-list', (ip) => {
    expect(policy.refusal(ip, 443)).toEqual(expect.any(String));
  });

  it.each(allowed)('lets the public address %s through', (ip) => {
    expect(policy.refusal(ip, 443)).toBeUndefined();
  });

  it.each(['0.0.0.0', '::', '::7f00:1', '2002:7f00:1::1', '2001:0:4136:e378:8000:63bf:3fff:fdd2', '64:ff9b:1::7f00:1'])(
    'refuses %s even when the allow-list covers the loopback it aliases',
    (ip) => {
      expect(new AddressPolicy(['127.0.0.0/8', '::1']).refusal(ip, 80)).toMatch(/unspecified|embeds|Teredo|NAT64|6to4/);
    },
  );

  it('refuses NAT64 unless 64:ff9b::/96 is allow-listed, and then checks the IPv4 address it embeds', () => {
    const on = new AddressPolicy(['64:ff9b::/96']);
    expect(policy.refusal('64:ff9b::808:808', 443)).toMatch(/NAT64/);
    expect(on.refusal('64:ff9b::808:808', 443)).toBeUndefined();
    for (const ip of ['64:ff9b::7f00:1', '64:ff9b::a9fe:a9fe', '64:ff9b::a00:1', '64:ff9b:1::808:808']) expect(on.refusal(ip, 443)).toEqual(expect.any(String));
  });

  it('applies an IPv4 entry to the IPv4-mapped and NAT64 spellings of the same address, and only on the named port', () => {
    const p = new AddressPolicy(['10.1.2.3:8080', '64:ff9b::/96']);
    for (const ip of ['10.1.2.3', '::ffff:10.1.2.3', '::ffff:a01:203', '64:ff9b::a01:203']) {
      expect(p.refusal(ip, 8080)).toBeUndefined();
      expect(p.refusal(ip, 8081)).toMatch(/not a public address/);
    }
    expect(new AddressPolicy(['[::1]:8080']).refusal('::1', 8080)).toBeUndefined();
    expect(new AddressPolicy(['[::1]:8080']).refusal('::1', 22)).toMatch(/loopback/);
  });
});

describe('outbound fence: JUNCTION_HTTP_ALLOW is read strictly', () => {
  it.each([
    ['10.0.0.0/', /prefix length ""/],
    ['10.0.0.0/33', /prefix length "33"/],
    ['10.0.0.0/08', /prefix length "08"/],
    ['10.0.0.0/ 8', /prefix length/],
    ['10.0.0.1/8', /host bits set.*10\.0\.0\.0\/8/],
    ['10.0.0.0/8/8', /more than one/],
    ['0.0.0.0/0', /every address/],
    ['::/0', /every address/],
    ['0.0.0.0', /unspecified/],
    ['127.0.0.1:0', /port "0"/],
    ['127.0.0.1:65536', /port "65536"/],
    ['127.0.0.1:80x', /port "80x"/],
    ['[127.0.0.1]:80', /brackets/],
    ['[::1:80', /\[/],
    ['::1:8080', /IPv4-compatible.*\[address\]:port/],
    ['::ffff:10.0.0.1', /embeds an IPv4/],
    ['64:ff9b::a00:1', /embeds an IPv4/],
    ['64:ff9b::/64', /embeds an IPv4|host bits/],
    ['[64:ff9b::/96]:443', /cannot name a port/],
    ['localhost', /not an IP address/],
    ['0x7f.0.0.1', /not an IP address/],
    ['0177.0.0.1', /not an IP address/],
    ['2130706433', /not an IP address/],
    ['fe80::1%eth0', /not an IP address/],
  ])('refuses the entry %s', (entry, why) => {
    expect(() => parseAllowList(entry)).toThrow(AllowListError);
    expect(() => parseAllowList(entry)).toThrow(why);
    expect(() => parseAllowList(entry)).toThrow(entry.trim());
  });

  it('accepts addresses, networks and address:port entries', () => {
    const entries = parseAllowList(' 127.0.0.1:8080, [::1]:8080,10.0.0.0/8, 10.1.0.0/16:5432 ,fd00::/8,[fd00::/8]:443,,');
    expect(entries.map((e) => [e.network.toString(), e.prefix, e.port])).toEqual([
      ['127.0.0.1', 32, 8080],
      ['::1', 128, 8080],
      ['10.0.0.0', 8, undefined],
      ['10.1.0.0', 16, 5432],
      ['fd00::', 8, undefined],
      ['fd00::', 8, 443],
    ]);
  });

  it('stops a service at start, naming every malformed entry', () => {
    class Env {
      @IsString()
      @IsFenceAllowList()
      JUNCTION_HTTP_ALLOW = '';
    }
    let error: unknown;
    try {
      loadConfig(Env, { JUNCTION_HTTP_ALLOW: '127.0.0.1,10.0.0.0/,fd00::/300' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/JUNCTION_HTTP_ALLOW: .*entry "10\.0\.0\.0\/".*entry "fd00::\/300"/);
    expect(loadConfig(Env, { JUNCTION_HTTP_ALLOW: '127.0.0.1:5000,[::1]:5000' }).JUNCTION_HTTP_ALLOW).toBe('127.0.0.1:5000,[::1]:5000');
  });
});

describe('outbound fence: the platform’s own listeners', () => {
  const env = {
    PORT: 3002,
    HOST: '0.0.0.0',
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
    NATS_URL: 'nats://localhost:4222,tls://user:pass@db.internal:4443',
    REDIS_URL: 'rediss://:secret@db.internal',
  };
  const fence = new Fence({ policy: AddressPolicy.fromEnv('127.0.0.0/8,10.0.0.0/8,::1', env), resolver });

  it.each([
    ['127.0.0.1', 5432, /DATABASE_URL/],
    ['127.0.0.2', 5432, /DATABASE_URL/],
    ['::1', 5432, /DATABASE_URL/],
    ['::ffff:127.0.0.1', 5432, /DATABASE_URL/],
    ['127.0.0.1', 4222, /NATS_URL/],
    ['10.9.9.9', 4443, /NATS_URL/],
    ['db.internal', 6379, /REDIS_URL/],
    ['127.0.0.1', 3002, /PORT/],
    ['localhost', 3002, /PORT/],
    ['evil.test', 3002, /PORT/],
  ])('refuses %s:%d even with loopback and 10/8 allow-listed', async (host, port, why) => {
    await expect(fence.resolve(host, port)).rejects.toThrow(FenceRefusal);
    await expect(fence.resolve(host, port)).rejects.toThrow(why);
  });

  it('still lets allow-listed addresses through on other ports', async () => {
    await expect(fence.resolve('127.0.0.1', 5433)).resolves.toEqual([{ address: '127.0.0.1', family: 4 }]);
    await expect(fence.resolve('db.internal', 443)).resolves.toEqual([{ address: '10.9.9.9', family: 4 }]);
  });
});

describe('outbound fence: names and URL spellings, against a loopback canary that must see nothing', () => {
  let canary: TcpCanary;
  let canary6: TcpCanary;
  // allow-listed: a different loopback port, so "allowed" never leaks to the canary's port
  const fence = new Fence({ policy: new AddressPolicy(['127.0.0.1:1']), resolver });
  // the production path: undici through the fenced dispatcher, as the connector SDK's client and the OAuth client send
  const dispatcher = fencedDispatcher(fence, { connectTimeoutMs: 2000 });

  beforeAll(async () => {
    canary = await TcpCanary.start('127.0.0.1');
    canary6 = await TcpCanary.start('::1');
  });

  afterAll(async () => {
    await dispatcher.close();
    await canary.close();
    await canary6.close();
  });

  async function get(url: string): Promise<unknown> {
    const res = await request(url, { dispatcher, headersTimeout: 2000, bodyTimeout: 2000 });
    await res.body.dump();
    return res.statusCode;
  }

  const spellings = (p: number, p6: number) => [
    `http://127.0.0.1:${p}/`,
    `http://2130706433:${p}/`,
    `http://0x7f000001:${p}/`,
    `http://0x7f.0.0.1:${p}/`,
    `http://0177.0.0.1:${p}/`,
    `http://0177.0.0.01:${p}/`,
    `http://127.1:${p}/`,
    `http://127.0.1:${p}/`,
    `http://0:${p}/`,
    `http://0.0.0.0:${p}/`,
    `http://localhost:${p}/`,
    `http://LOCALHOST.:${p}/`,
    `http://[::ffff:127.0.0.1]:${p}/`,
    `http://[::ffff:7f00:1]:${p}/`,
    `http://[0:0:0:0:0:ffff:127.0.0.1]:${p}/`,
    `http://[::127.0.0.1]:${p}/`,
    `http://[64:ff9b::127.0.0.1]:${p}/`,
    `http://[::]:${p}/`,
    `http://[::1]:${p6}/`,
    `http://[0:0:0:0:0:0:0:1]:${p6}/`,
    `http://evil.test:${p}/`,
    `http://rebind.test:${p}/`,
    `http://mapped.test:${p}/`,
    `http://nat64.test:${p}/`,
    `http://v6loop.test:${p6}/`,
    `http://user@127.0.0.1:${p}/`,
  ];

  it('refuses every spelling of loopback before a byte leaves', async () => {
    const urls = spellings(canary.port, canary6.port);
    for (const url of urls) {
      await expect(get(url)).rejects.toThrow(FenceRefusal);
    }
    expect(canary.connections).toEqual([]);
    expect(canary6.connections).toEqual([]);
  });

  it.each(['/var/run/postgresql', '@abstract', '127.0.0.1/x', 'fe80::1%lo', 'a b', 'x@127.0.0.1', ''])('refuses the host %j outright', async (host) => {
    await expect(fence.resolve(host, 80)).rejects.toThrow(FenceRefusal);
  });

  it('refuses a Unix socket path handed to a fenced socket', async () => {
    const socket = fence.socket();
    const failed = new Promise((resolve) => socket.once('error', resolve));
    socket.connect({ path: '/var/run/postgresql/.s.PGSQL.5432' } as never);
    await expect(failed).resolves.toBeInstanceOf(FenceRefusal);
  });

  it('the same client path does reach an allow-listed canary, at the address the fence checked: the refusals above are the fence’s, not a client that cannot connect', async () => {
    const allowed = fencedDispatcher(new Fence({ policy: new AddressPolicy([`127.0.0.1:${canary.port}`]), resolver: async () => [{ address: '127.0.0.1', family: 4 }] }), {
      connectTimeoutMs: 2000,
    });
    const before = canary.connections.length;
    // the canary answers nothing: the request times out once connected
    await expect(request(`http://public-looking.test:${canary.port}/`, { dispatcher: allowed, headersTimeout: 300 })).rejects.toThrow(/timeout/i);
    await allowed.close();
    expect(canary.connections.length).toBe(before + 1);
  });

  it('connects to an allow-listed address:port, to the address it checked', async () => {
    const allowedFence = new Fence({ policy: new AddressPolicy([`127.0.0.1:${canary.port}`]), resolver: async () => [{ address: '127.0.0.1', family: 4 }] });
    const before = canary.connections.length;
    const socket = await allowedFence.connect('public-looking.test', canary.port, { timeoutMs: 2000 });
    socket.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(canary.connections.length).toBe(before + 1);
    await expect(allowedFence.connect('127.0.0.1', canary.port + 1 === 65536 ? 1 : canary.port + 1)).rejects.toThrow(FenceRefusal);
  });
});
