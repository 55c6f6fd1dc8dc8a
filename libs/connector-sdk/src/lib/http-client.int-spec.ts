import { FakeThirdParty } from '../testing/fake-third-party';
import { AddressPolicy, unwrapMappedIPv4 } from './address-policy';
import { RateLimitedError, RetryableError, errorFromResponse } from './errors';
import { BlockedAddressError, FencedHttpClient, type Resolver } from './http-client';

describe('FencedHttpClient against a local fake third party', () => {
  const fake = new FakeThirdParty();
  const loopbackAllowed = new FencedHttpClient({ policy: new AddressPolicy(['127.0.0.1', '::1']), timeoutMs: 1000, bodyTimeoutMs: 500 });
  const fenced = new FencedHttpClient({ policy: new AddressPolicy([]), timeoutMs: 1000 });

  beforeAll(async () => {
    await fake.start();
    fake
      .on('GET', '/ok', { json: { hello: 'world' } })
      .on('GET', '/limited', { status: 429, headers: { 'retry-after': '2' }, json: { error: 'slow down' } })
      .on('GET', '/hang', { hang: true })
      .on('GET', '/reset', { reset: true })
      .on('GET', '/slow-body', { json: { long: 'x'.repeat(64) }, slowBodyMs: 300 })
      .on('GET', '/to-private', { redirectTo: 'http://10.1.2.3/admin' })
      .on('GET', '/to-metadata', { redirectTo: 'http://169.254.169.254/latest/meta-data/' })
      .on('POST', '/to-ok', { status: 303, redirectTo: '/ok' });
  });

  afterAll(async () => {
    await Promise.all([fake.close(), loopbackAllowed.close(), fenced.close()]);
  });

  it('returns status, headers and parsed JSON', async () => {
    const res = await loopbackAllowed.request({ method: 'GET', url: `${fake.url}/ok` });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ hello: 'world' });
  });

  it('maps 429 with Retry-After: 2 to RateLimitedError(2000)', async () => {
    const res = await loopbackAllowed.request({ method: 'GET', url: `${fake.url}/limited` });
    const error = errorFromResponse(res.status, res.headers, res.body);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(2000);
  });

  it('cuts a hung server at the timeout with a retryable error', async () => {
    const started = Date.now();
    const error = await loopbackAllowed.request({ method: 'GET', url: `${fake.url}/hang`, timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toMatch(/did not answer within 300 ms/);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('turns a connection reset into a retryable error', async () => {
    await expect(loopbackAllowed.request({ method: 'GET', url: `${fake.url}/reset` })).rejects.toBeInstanceOf(RetryableError);
  });

  it('cuts a body that trickles slower than the body timeout', async () => {
    await expect(loopbackAllowed.request({ method: 'GET', url: `${fake.url}/slow-body` })).rejects.toBeInstanceOf(RetryableError);
  });

  it('follows a 303 after POST as a GET', async () => {
    const res = await loopbackAllowed.request({ method: 'POST', url: `${fake.url}/to-ok`, body: { json: { a: 1 } } });
    expect(res.body).toEqual({ hello: 'world' });
    expect(fake.requests.at(-1)?.method).toBe('GET');
  });

  describe('SSRF fence (nothing is sent to a refused address)', () => {
    const before = () => fake.requests.length;

    it.each([
      ['127.0.0.1', 'http://127.0.0.1:9/'],
      ['[::1]', 'http://[::1]:9/'],
      ['169.254.169.254 (metadata)', 'http://169.254.169.254/latest/meta-data/'],
      ['10.x', 'http://10.0.0.5/'],
      ['192.168.x', 'http://192.168.1.1/'],
      ['172.16.x', 'http://172.16.0.1/'],
      ['::ffff:127.0.0.1 (mapped)', 'http://[::ffff:127.0.0.1]:9/'],
      ['0.0.0.0', 'http://0.0.0.0:9/'],
      ['fe80:: link-local', 'http://[fe80::1]/'],
    ])('refuses %s without the allow-list', async (_name, url) => {
      await expect(fenced.request({ method: 'GET', url })).rejects.toBeInstanceOf(BlockedAddressError);
    });

    it('refuses a host name that resolves to 127.0.0.1 (localhost)', async () => {
      const port = new URL(fake.url).port;
      const n = before();
      await expect(fenced.request({ method: 'GET', url: `http://localhost:${port}/ok` })).rejects.toBeInstanceOf(BlockedAddressError);
      expect(fake.requests.length).toBe(n);
    });

    it('refuses a host name whose DNS answer is private (fake resolver)', async () => {
      const resolver: Resolver = async () => [{ address: '10.20.30.40', family: 4 }];
      const client = new FencedHttpClient({ policy: new AddressPolicy([]), resolver, timeoutMs: 1000 });
      await expect(client.request({ method: 'GET', url: 'http://internal.example.test/' })).rejects.toBeInstanceOf(BlockedAddressError);
      await client.close();
    });

    it('refuses a redirect to a private address and to the metadata address', async () => {
      await expect(loopbackAllowed.request({ method: 'GET', url: `${fake.url}/to-private` })).rejects.toBeInstanceOf(BlockedAddressError);
      await expect(loopbackAllowed.request({ method: 'GET', url: `${fake.url}/to-metadata` })).rejects.toBeInstanceOf(BlockedAddressError);
    });

    it('refuses schemes other than http and https', async () => {
      await expect(loopbackAllowed.request({ method: 'GET', url: 'file:///etc/passwd' })).rejects.toThrow(/only http and https/);
    });

    it('unwraps IPv4-mapped IPv6 in both notations', () => {
      expect(unwrapMappedIPv4('::ffff:7f00:1')).toBe('127.0.0.1');
      expect(unwrapMappedIPv4('[::FFFF:10.0.0.1]')).toBe('10.0.0.1');
      expect(new AddressPolicy([]).refusal('::ffff:7f00:1')).toMatch(/not a public address/);
      expect(new AddressPolicy([]).refusal('93.184.216.34')).toBeUndefined();
    });
  });
});
