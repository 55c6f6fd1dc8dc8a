import { createServer, type Server } from 'node:http';
import { AddressPolicy, Fence, platformListeners, type Resolver } from '@junction/platform/fence';
import { TcpCanary } from '@junction/shared/testing';
import { OAuthClient, OAuthEndpointRefusedError } from './oauth-client';

const config = (tokenUrl: string) => ({ grant: 'client_credentials' as const, tokenUrl });
const secrets = { clientId: 'client', clientSecret: 'client-secret' };

/**
 * Hostile tier, class 5: a workspace points a connection's token URL into the private network.
 * The auth service calls it with the client secret on every credential read, so the call must go
 * through the same fence as the connectors, and a refused URL must not be saved.
 */
describe('OAuth token calls go through the outbound fence (hostile)', () => {
  let canary: TcpCanary;
  let provider: Server;
  let providerPort = 0;
  const resolver: Resolver = async (name) => {
    if (name === 'evil.test') return [{ address: '127.0.0.1', family: 4 }];
    if (name === 'provider.test') return [{ address: '127.0.0.1', family: 4 }];
    throw Object.assign(new Error(`ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  };

  beforeAll(async () => {
    canary = await TcpCanary.start('127.0.0.1');
    provider = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'at-1', token_type: 'Bearer', expires_in: 3600 }));
    });
    await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', () => resolve()));
    providerPort = (provider.address() as { port: number }).port;
  });

  afterAll(async () => {
    await canary.close();
    await new Promise((r) => provider.close(r));
  });

  it('refuses token URLs at loopback, in every spelling, before a byte is sent', async () => {
    const client = new OAuthClient(new Fence({ policy: new AddressPolicy([]), resolver }));
    const p = canary.port;
    for (const url of [
      `http://127.0.0.1:${p}/token`,
      `http://2130706433:${p}/token`,
      `http://0x7f.1:${p}/token`,
      `http://[::ffff:127.0.0.1]:${p}/token`,
      `http://[64:ff9b::7f00:1]:${p}/token`,
      `http://evil.test:${p}/token`,
      `https://evil.test:${p}/token`,
    ]) {
      await expect(client.clientCredentials(config(url), secrets)).rejects.toBeInstanceOf(OAuthEndpointRefusedError);
      await expect(client.refresh(config(url), secrets, 'rt')).rejects.toBeInstanceOf(OAuthEndpointRefusedError);
      await expect(client.checkEndpoint(url)).rejects.toBeInstanceOf(OAuthEndpointRefusedError);
    }
    expect(canary.connections).toEqual([]);
  });

  it('refuses the auth service’s own Postgres, NATS and Redis even with loopback allow-listed', async () => {
    const policy = new AddressPolicy(['127.0.0.1'], {
      platformListeners: platformListeners({ DATABASE_URL: `postgres://u@127.0.0.1:${canary.port}/db`, NATS_URL: 'nats://127.0.0.1:4222', REDIS_URL: 'redis://127.0.0.1:6379' }),
    });
    const client = new OAuthClient(new Fence({ policy, resolver }));
    await expect(client.clientCredentials(config(`http://127.0.0.1:${canary.port}/token`), secrets)).rejects.toThrow(/platform's own listeners \(DATABASE_URL\)/);
    await expect(client.checkEndpoint('http://127.0.0.1:6379/')).rejects.toThrow(/REDIS_URL/);
    expect(canary.connections).toEqual([]);
  });

  it('reaches an allow-listed provider, by name, on the allow-listed port only', async () => {
    const client = new OAuthClient(new Fence({ policy: new AddressPolicy([`127.0.0.1:${providerPort}`]), resolver }));
    await expect(client.clientCredentials(config(`http://provider.test:${providerPort}/token`), secrets)).resolves.toMatchObject({ accessToken: 'at-1' });
    await expect(client.checkEndpoint(`http://provider.test:${providerPort}/token`)).resolves.toBeUndefined();
    await expect(client.checkEndpoint(`http://provider.test:${canary.port}/token`)).rejects.toBeInstanceOf(OAuthEndpointRefusedError);
    // a name that does not resolve now is saved; the call is fenced again when it is made
    await expect(client.checkEndpoint('https://not-yet.example.test/token')).resolves.toBeUndefined();
    await expect(client.checkEndpoint('ftp://provider.test/token')).rejects.toThrow(/http or https/);
  });
});
