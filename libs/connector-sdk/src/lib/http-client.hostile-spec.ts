import { TcpCanary } from '@junction/shared/testing';
import { FakeThirdParty } from '../testing/fake-third-party';
import { AddressPolicy, platformListeners } from './address-policy';
import { BlockedAddressError, FencedHttpClient, type Resolver } from './http-client';

const resolver: Resolver = async (name) => {
  const table: Record<string, string[]> = {
    'evil.test': ['127.0.0.1'],
    'rebind.test': ['93.184.216.34', '127.0.0.1'],
    'mapped.test': ['::ffff:7f00:1'],
    localhost: ['127.0.0.1'],
    'home.test': ['127.0.0.1'],
  };
  const found = table[name];
  if (!found) throw Object.assign(new Error(`ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

/**
 * Hostile tier, classes 2 and 7, on the connectors' HTTP client (undici): URL spellings of
 * loopback, names that resolve there, redirects into the platform's own ports, and port-scoped
 * allow-list entries. The canary must see no connection.
 */
describe('FencedHttpClient: URL spellings and redirects an attacker would try (hostile)', () => {
  let canary: TcpCanary;
  const home = new FakeThirdParty();
  let homePort = 0;
  let client: FencedHttpClient;

  beforeAll(async () => {
    canary = await TcpCanary.start('127.0.0.1');
    await home.start();
    homePort = Number(new URL(home.url).port);
    home.on('GET', '/ok', { json: { ok: true } }).on('GET', '/to-canary', { redirectTo: `http://127.0.0.1:${canary.port}/` });
    home.on('GET', '/to-own-db', { redirectTo: 'http://127.0.0.1:5432/' }).on('GET', '/to-spelled', { redirectTo: `http://2130706433:${canary.port}/` });
    // only the home server's port is allowed; the canary shares its address, not its port
    client = new FencedHttpClient({
      policy: new AddressPolicy([`127.0.0.1:${homePort}`], { platformListeners: platformListeners({ DATABASE_URL: 'postgres://u@127.0.0.1:5432/db' }) }),
      resolver,
      timeoutMs: 3000,
    });
  });

  afterAll(async () => {
    await client.close();
    await home.close();
    await canary.close();
  });

  it('reaches the allow-listed address:port, by address and by name', async () => {
    await expect(client.request({ method: 'GET', url: `${home.url}/ok` })).resolves.toMatchObject({ status: 200 });
    await expect(client.request({ method: 'GET', url: `http://home.test:${homePort}/ok` })).resolves.toMatchObject({ status: 200 });
  });

  it('refuses every spelling of the canary’s address and port', async () => {
    const p = canary.port;
    for (const url of [
      `http://127.0.0.1:${p}/`,
      `http://2130706433:${p}/`,
      `http://0x7f.1:${p}/`,
      `http://0177.0.0.1:${p}/`,
      `http://127.1:${p}/`,
      `http://[::ffff:127.0.0.1]:${p}/`,
      `http://[::ffff:7f00:1]:${p}/`,
      `http://[64:ff9b::7f00:1]:${p}/`,
      `http://[::7f00:1]:${p}/`,
      `http://0.0.0.0:${p}/`,
      `http://localhost:${p}/`,
      `http://evil.test:${p}/`,
      `http://rebind.test:${p}/`,
      `http://mapped.test:${p}/`,
      `https://evil.test:${p}/`,
    ]) {
      await expect(client.request({ method: 'GET', url })).rejects.toBeInstanceOf(BlockedAddressError);
    }
    expect(canary.connections).toEqual([]);
  });

  it('refuses redirects from the allowed server to another port, a spelled loopback or the platform’s own database', async () => {
    await expect(client.request({ method: 'GET', url: `${home.url}/to-canary` })).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(client.request({ method: 'GET', url: `${home.url}/to-spelled` })).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(client.request({ method: 'GET', url: `${home.url}/to-own-db` })).rejects.toThrow(/platform's own listeners \(DATABASE_URL\)/);
    expect(canary.connections).toEqual([]);
  });
});
