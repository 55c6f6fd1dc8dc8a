import { AddressPolicy, AuthError, FencedHttpClient, RateLimitedError } from '@junction/connector-sdk';
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

describe('github rate limits against a scripted fake GitHub', () => {
  const api = new FakeThirdParty();
  const credentials = { kind: 'bearer' as const, token: 'ghp_busy' };
  const getUser = () => runAction(githubConnector, 'get_user', { input: { baseUrl: api.url, login: 'octocat' }, credentials, allowedHosts: [api.url] });
  const limitOf = async () => {
    const error = await getUser().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RateLimitedError);
    return error as RateLimitedError;
  };

  beforeAll(() => api.start());
  afterAll(() => api.close());

  it('reads the primary limit (403, x-ratelimit-remaining: 0) as rate-limited until x-ratelimit-reset, not as bad credentials', async () => {
    const reset = Math.floor(Date.now() / 1000) + 90;
    api.on('GET', '/users/octocat', {
      status: 403,
      headers: { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '0', 'x-ratelimit-used': '5000', 'x-ratelimit-reset': String(reset), 'x-ratelimit-resource': 'core' },
      json: { message: 'API rate limit exceeded for user ID 1.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' },
    });
    const error = await limitOf();
    expect(error.status).toBe(403);
    // measured from the fake's own Date header (whole seconds): at least the time left, at most a second more
    expect(error.retryAfterMs).toBeGreaterThan(85_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(91_000);
  });

  it('reads a secondary limit (403 with the message and Retry-After) as rate-limited for Retry-After, though quota remains', async () => {
    api.on('GET', '/users/octocat', {
      status: 403,
      headers: { 'retry-after': '42', 'x-ratelimit-remaining': '4990', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3000) },
      json: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', documentation_url: 'https://docs.github.com/rest' },
    });
    expect(await limitOf()).toMatchObject({ retryAfterMs: 42_000, status: 403 });
  });

  it('waits a minute after a secondary limit that names no wait, and until the reset when the quota is spent too', async () => {
    api.on('GET', '/users/octocat', { status: 429, json: { message: 'You have exceeded a secondary rate limit.' } });
    expect(await limitOf()).toMatchObject({ retryAfterMs: 60_000, status: 429 });

    api.on('GET', '/users/octocat', {
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 20) },
      json: { message: 'You have triggered an abuse detection mechanism.' },
    });
    const spent = await limitOf();
    expect(spent.retryAfterMs).toBeGreaterThan(15_000);
    expect(spent.retryAfterMs).toBeLessThanOrEqual(21_000);
  });

  it('still reports a 403 with quota left and no limit message as an AuthError', async () => {
    api.on('GET', '/users/octocat', { status: 403, headers: { 'x-ratelimit-remaining': '4999' }, json: { message: 'Resource not accessible by integration' } });
    await expect(getUser()).rejects.toBeInstanceOf(AuthError);
  });
});
