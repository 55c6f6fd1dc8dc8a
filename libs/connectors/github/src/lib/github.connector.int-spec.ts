import { AddressPolicy, AuthError, FencedHttpClient } from '@junction/connector-sdk';
import { FakeThirdParty, runAction } from '@junction/connector-sdk/testing';
import { githubConnector, webhookEvent } from './github.connector';

// The example from GitHub's "Validating webhook deliveries" documentation.
const DOC_SECRET = "It's a Secret to Everybody";
const DOC_BODY = Buffer.from('Hello, World!');
const DOC_SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

const verify = (headers: Record<string, string>, body = DOC_BODY, events?: string[]) =>
  webhookEvent.verify?.({ rawBody: body, headers }, { secret: DOC_SECRET, nowMs: Date.now(), config: events ? { events } : {} });

describe('github webhook signature (X-Hub-Signature-256)', () => {
  it('accepts the documented vector', () => {
    expect(verify({ 'x-hub-signature-256': DOC_SIGNATURE })).toEqual({ ok: true });
  });

  it('refuses a wrong signature, a missing header and a body changed by one byte', () => {
    expect(verify({ 'x-hub-signature-256': DOC_SIGNATURE.replace(/7$/, '8') })).toMatchObject({ ok: false });
    expect(verify({})).toMatchObject({ ok: false, reason: /missing/ });
    expect(verify({ 'x-hub-signature-256': DOC_SIGNATURE }, Buffer.from('Hello, World?'))).toMatchObject({ ok: false });
  });

  it('filters by event, and does not dedupe by the unsigned X-GitHub-Delivery (the body hash is the key)', () => {
    expect(verify({ 'x-hub-signature-256': DOC_SIGNATURE, 'x-github-event': 'push' }, DOC_BODY, ['issues'])).toMatchObject({ ok: false });
    expect(webhookEvent.dedupeKey?.({ rawBody: DOC_BODY, headers: { 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' } }, {})).toBeUndefined();
  });
});

describe('github actions against a fake API', () => {
  const api = new FakeThirdParty();

  beforeAll(async () => {
    await api.start();
    api
      .on('POST', '/repos/acme/app/issues', (req) => ({
        status: 201,
        json: { id: 1, number: 42, html_url: 'https://github.test/acme/app/issues/42', title: (req.json as { title: string }).title },
      }))
      .on('POST', '/repos/acme/app/issues/42/comments', { status: 201, json: { id: 7, html_url: 'https://github.test/c/7' } })
      .on('GET', '/users/octocat', { status: 401, json: { message: 'Bad credentials' } });
  });

  afterAll(() => api.close());

  it('creates an issue and comments on it', async () => {
    const credentials = { kind: 'bearer' as const, token: 'ghp_test' };
    const issue = await runAction(githubConnector, 'create_issue', {
      input: { baseUrl: api.url, owner: 'acme', repo: 'app', title: 'Broken build' },
      credentials,
      allowedHosts: [api.url],
    });
    expect(issue).toMatchObject({ number: 42, title: 'Broken build' });
    const comment = await runAction(githubConnector, 'create_comment', {
      input: { baseUrl: api.url, owner: 'acme', repo: 'app', issueNumber: 42, body: 'on it' },
      credentials,
      allowedHosts: [api.url],
    });
    expect(comment).toMatchObject({ id: 7 });
    expect(api.requests[0].headers.authorization).toBe('Bearer ghp_test');
    expect(api.requests[0].headers['x-github-api-version']).toBe('2022-11-28');
  });

  it('reports bad credentials as an AuthError', async () => {
    await expect(
      runAction(githubConnector, 'get_user', { input: { baseUrl: api.url, login: 'octocat' }, credentials: { kind: 'bearer', token: 'bad' }, allowedHosts: [api.url] }),
    ).rejects.toBeInstanceOf(AuthError);
  });
});

describe('github webhook lifecycle against a fake API', () => {
  const api = new FakeThirdParty();
  const http = new FencedHttpClient({ policy: new AddressPolicy(['127.0.0.1']) });
  const credentials = { kind: 'bearer' as const, token: 'ghp_admin' };

  beforeAll(async () => {
    await api.start();
    api.on('POST', '/repos/acme/app/hooks', { status: 201, json: { id: 991 } }).on('DELETE', '/repos/acme/app/hooks/991', { status: 204 });
  });

  afterAll(async () => {
    await api.close();
    await http.close();
  });

  it('registers the hook with the recipe URL and secret on enable, and removes it on disable', async () => {
    const config = { owner: 'acme', repo: 'app', events: ['issues'], baseUrl: api.url };
    const signal = AbortSignal.timeout(5000);
    const enabled = await webhookEvent.onEnable?.({ config, credentials, http, webhookUrl: 'https://junction.test/hooks/h1', signingSecret: 'whsec', signal });
    expect(enabled).toEqual({ externalId: '991' });
    expect(api.requestsTo('/repos/acme/app/hooks')[0].json).toMatchObject({
      events: ['issues'],
      config: { url: 'https://junction.test/hooks/h1', secret: 'whsec', content_type: 'json' },
    });
    await webhookEvent.onDisable?.({ config, credentials, http, externalId: '991', signal });
    expect(api.requestsTo('/repos/acme/app/hooks/991')[0].method).toBe('DELETE');
  });

  it('does nothing without owner and repo (the hook is registered by hand)', async () => {
    const before = api.requests.length;
    expect(await webhookEvent.onEnable?.({ config: {}, credentials, http, webhookUrl: 'https://x/hooks/h', signal: AbortSignal.timeout(1000) })).toEqual({});
    expect(api.requests.length).toBe(before);
  });
});
