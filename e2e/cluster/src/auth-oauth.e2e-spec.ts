import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { AuthCluster } from './auth-harness';

/**
 * A fake OAuth2 authorization server, scripted by the test: it checks PKCE (S256), the exact
 * redirect URI and the client's credentials, and counts every token request by grant.
 */
class FakeProvider {
  readonly calls = { authorization_code: 0, refresh_token: 0, client_credentials: 0 };
  readonly clientId = 'client-123';
  readonly clientSecret = `cs_${randomBytes(12).toString('hex')}`;
  /** Lifetime of the next tokens issued, s (60 s or less counts as expiring for auth). */
  expiresIn = 3600;
  refreshDelayMs = 300;
  readonly revokedRefreshTokens = new Set<string>();
  readonly issued: string[] = [];
  private readonly codes = new Map<string, { challenge: string; redirectUri: string }>();
  private server?: Server;
  private seq = 0;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'GET' && url.pathname === '/authorize') return this.authorize(url, res);
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => void this.token(req.headers.authorization, new URLSearchParams(raw), res));
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  stop(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private authorize(url: URL, res: import('node:http').ServerResponse): void {
    const p = url.searchParams;
    if (p.get('client_id') !== this.clientId || p.get('code_challenge_method') !== 'S256' || !p.get('code_challenge') || !p.get('state')) {
      res.writeHead(400).end('bad authorization request');
      return;
    }
    const code = `code_${randomBytes(8).toString('hex')}`;
    this.codes.set(code, { challenge: p.get('code_challenge') as string, redirectUri: p.get('redirect_uri') as string });
    const back = new URL(p.get('redirect_uri') as string);
    back.searchParams.set('code', code);
    back.searchParams.set('state', p.get('state') as string);
    res.writeHead(302, { location: back.toString() }).end();
  }

  private async token(authorization: string | undefined, form: URLSearchParams, res: import('node:http').ServerResponse): Promise<void> {
    const deny = (error: string): void => {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error }));
    };
    // RFC 6749 §2.3.1: both halves are form-urlencoded (clients differ in what they escape), so decode, then compare
    const basic = /^Basic (.+)$/.exec(authorization ?? '');
    const [id, secret] = basic
      ? Buffer.from(basic[1], 'base64')
          .toString()
          .split(':')
          .map((part) => decodeURIComponent(part.replace(/\+/g, ' ')))
      : [];
    if (id !== this.clientId || secret !== this.clientSecret) return deny('invalid_client');
    const grant = form.get('grant_type') as keyof FakeProvider['calls'];
    if (!(grant in this.calls)) return deny('unsupported_grant_type');
    this.calls[grant]++;
    if (grant === 'authorization_code') {
      const pending = this.codes.get(form.get('code') ?? '');
      this.codes.delete(form.get('code') ?? '');
      const challenge = createHash('sha256')
        .update(form.get('code_verifier') ?? '')
        .digest('base64url');
      if (!pending || pending.challenge !== challenge || pending.redirectUri !== form.get('redirect_uri')) return deny('invalid_grant');
    }
    if (grant === 'refresh_token') {
      await new Promise((r) => setTimeout(r, this.refreshDelayMs));
      if (this.revokedRefreshTokens.has(form.get('refresh_token') ?? '')) return deny('invalid_grant');
    }
    const n = ++this.seq;
    const tokens = {
      access_token: `at_${n}_${randomBytes(6).toString('hex')}`,
      token_type: 'Bearer',
      expires_in: this.expiresIn,
      ...(grant === 'client_credentials' ? {} : { refresh_token: `rt_${n}_${randomBytes(6).toString('hex')}` }),
    };
    this.issued.push(tokens.access_token, tokens.refresh_token ?? '');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(tokens));
  }
}

describe('auth: OAuth2 connections', () => {
  const cluster = new AuthCluster();
  const provider = new FakeProvider();
  const redirectUri = 'https://app.example/v1/oauth/callback';
  let ws: { id: string; key: string };

  /** Creates an authorization-code connection and walks the browser part of the flow. */
  let made = 0;
  async function authorisedConnection(): Promise<{ id: string }> {
    // connection names are unique in a workspace
    const created = await cluster.api('POST', '/v1/connections', ws.key, {
      name: `CRM ${++made}`,
      connector: 'http',
      credentials: { clientId: provider.clientId, clientSecret: provider.clientSecret },
      oauth: { grant: 'authorization_code', authorizationUrl: `${provider.url}/authorize`, tokenUrl: `${provider.url}/token`, redirectUri, scopes: ['read', 'write'] },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const start = await cluster.api('GET', `/v1/connections/${id}/oauth/authorize?redirectUri=${encodeURIComponent(redirectUri)}`, ws.key);
    expect(start.status).toBe(200);
    const back = await fetch(start.body.authorizationUrl as string, { redirect: 'manual' });
    const location = new URL(back.headers.get('location') as string);
    const done = await cluster.api('GET', `/v1/oauth/callback?code=${location.searchParams.get('code')}&state=${location.searchParams.get('state')}`);
    expect(done.status).toBe(200);
    return { id };
  }

  const read = (connectionId: string) => cluster.nats('auth.read-credentials.v1', { workspaceId: ws.id, connectionId, jobId: 'job_oauth' }, 15_000);

  beforeAll(async () => {
    await provider.start();
    await cluster.start(AuthCluster.masterKey('k1'), 2);
    ws = await cluster.createWorkspace('oauth');
  }, 90_000);

  afterAll(async () => {
    await cluster.stop();
    await provider.stop();
  }, 60_000);

  it('runs the authorization code flow with PKCE S256 and a single-use state', async () => {
    const created = await cluster.api('POST', '/v1/connections', ws.key, {
      name: 'CRM',
      connector: 'http',
      credentials: { clientId: provider.clientId, clientSecret: provider.clientSecret },
      oauth: { grant: 'authorization_code', authorizationUrl: `${provider.url}/authorize`, tokenUrl: `${provider.url}/token`, redirectUri },
    });
    expect(created.body).toMatchObject({ status: 'needs_reauth', oauth: { grant: 'authorization_code', redirectUri } });
    const id = created.body.id as string;

    const start = await cluster.api('GET', `/v1/connections/${id}/oauth/authorize?redirectUri=${encodeURIComponent(redirectUri)}`, ws.key);
    const url = new URL(start.body.authorizationUrl as string);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const state = url.searchParams.get('state') as string;
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // only the state's hash is stored
    const rows = (await cluster.db.query('SELECT state_hash, workspace_id, connection_id FROM oauth_states')).rows as {
      state_hash: Buffer;
      workspace_id: string;
      connection_id: string;
    }[];
    expect(rows).toContainEqual({ state_hash: createHash('sha256').update(state).digest(), workspace_id: ws.id, connection_id: id });

    const back = await fetch(url, { redirect: 'manual' });
    const location = new URL(back.headers.get('location') as string);
    const callback = `/v1/oauth/callback?code=${location.searchParams.get('code')}&state=${state}`;
    const done = await cluster.api('GET', callback);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ id, status: 'active' });
    expect(done.body.secretFields).toEqual(['accessToken', 'accessTokenExpiresAt', 'clientId', 'clientSecret', 'refreshToken', 'tokenType']);
    expect(provider.calls.authorization_code).toBe(1); // the provider checked verifier and redirect URI

    const creds = await read(id);
    expect(creds.data?.credentials).toEqual({ accessToken: provider.issued.at(-2), tokenType: 'Bearer' });

    // replaying the callback: the state was consumed
    const replay = await cluster.api('GET', callback);
    expect(replay.status).toBe(400);
    expect(provider.calls.authorization_code).toBe(1);
  });

  it('refuses a tampered state and leaves the connection unauthorised', async () => {
    const created = await cluster.api('POST', '/v1/connections', ws.key, {
      name: 'tamper',
      connector: 'http',
      credentials: { clientId: provider.clientId, clientSecret: provider.clientSecret },
      oauth: { grant: 'authorization_code', authorizationUrl: `${provider.url}/authorize`, tokenUrl: `${provider.url}/token`, redirectUri },
    });
    const id = created.body.id as string;
    const start = await cluster.api('GET', `/v1/connections/${id}/oauth/authorize?redirectUri=${encodeURIComponent(redirectUri)}`, ws.key);
    const back = await fetch(start.body.authorizationUrl as string, { redirect: 'manual' });
    const location = new URL(back.headers.get('location') as string);
    const state = location.searchParams.get('state') as string;
    const tampered = `${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}`;
    const calls = provider.calls.authorization_code;
    const res = await cluster.api('GET', `/v1/oauth/callback?code=${location.searchParams.get('code')}&state=${tampered}`);
    expect(res.status).toBe(400);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(provider.calls.authorization_code).toBe(calls);
    expect((await cluster.api('GET', `/v1/connections/${id}`, ws.key)).body.status).toBe('needs_reauth');
  });

  it.each([
    ['a trailing slash', `${redirectUri}/`],
    ['another host', 'https://evil.example/v1/oauth/callback'],
    ['another scheme', redirectUri.replace('https:', 'http:')],
    ['a query string', `${redirectUri}?x=1`],
  ])('refuses a redirect URI differing by %s, and stores no state', async (label, uri) => {
    const created = await cluster.api('POST', '/v1/connections', ws.key, {
      name: `redirect ${label}`,
      connector: 'http',
      credentials: { clientId: provider.clientId },
      oauth: { grant: 'authorization_code', authorizationUrl: `${provider.url}/authorize`, tokenUrl: `${provider.url}/token`, redirectUri },
    });
    const before = await cluster.count('oauth_states');
    const res = await cluster.api('GET', `/v1/connections/${created.body.id as string}/oauth/authorize?redirectUri=${encodeURIComponent(uri)}`, ws.key);
    expect(res.status).toBe(400);
    expect((res.body.errors as { path: string }[]).map((e) => e.path)).toEqual(['redirectUri']);
    expect(await cluster.count('oauth_states')).toBe(before);
  });

  it('refreshes once for 50 concurrent callers across two replicas', async () => {
    provider.expiresIn = 30; // inside auth's 60 s skew: every read wants a fresh token
    const { id } = await authorisedConnection();
    provider.expiresIn = 3600;
    const before = provider.calls.refresh_token;
    const replies = await Promise.all(Array.from({ length: 50 }, () => read(id)));
    expect(provider.calls.refresh_token - before).toBe(1);
    const tokens = new Set(replies.map((r) => (r.data?.credentials as { accessToken: string }).accessToken));
    expect(tokens.size).toBe(1);
    expect([...tokens][0]).toBe(provider.issued.at(-2)); // the refreshed token, not the expiring one
    // both replicas served some of the 50 (NATS queue groups spread them)
    expect(cluster.auths).toHaveLength(2);
    for (const replica of cluster.auths) {
      const metrics = await (await fetch(replica.metricsUrl)).text();
      expect(metrics).toMatch(/junction_bus_handler_duration_seconds_count\{[^}]*subject="auth.read-credentials.v1",outcome="ok"\} [1-9]/);
    }
  }, 60_000);

  it('marks the connection needs_reauth when the provider refuses the refresh, and stops calling it', async () => {
    provider.expiresIn = 30;
    const { id } = await authorisedConnection();
    provider.expiresIn = 3600;
    provider.revokedRefreshTokens.add(provider.issued.at(-1) as string);
    const before = provider.calls.refresh_token;
    const replies = await Promise.all(Array.from({ length: 10 }, () => read(id)));
    for (const reply of replies) expect(reply).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringMatching(/needs_reauth/) } });
    expect(provider.calls.refresh_token - before).toBe(1);
    expect((await cluster.api('GET', `/v1/connections/${id}`, ws.key)).body.status).toBe('needs_reauth');
    // later reads fail at once, without another call to the provider
    expect(await read(id)).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(provider.calls.refresh_token - before).toBe(1);
    const events = await cluster.auditEvents();
    expect(events.some((e) => e.action === 'connection.needs_reauth' && (e.target as { id: string }).id === id)).toBe(true);
  }, 60_000);

  it('gets client-credentials tokens on demand and reuses them while fresh', async () => {
    const created = await cluster.api('POST', '/v1/connections', ws.key, {
      name: 'machine',
      connector: 'http',
      credentials: { clientId: provider.clientId, clientSecret: provider.clientSecret },
      oauth: { grant: 'client_credentials', tokenUrl: `${provider.url}/token`, scopes: ['read'] },
    });
    expect(created.body.status).toBe('active');
    const first = await read(created.body.id as string);
    const second = await read(created.body.id as string);
    expect(provider.calls.client_credentials).toBe(1);
    expect(first.data?.credentials).toEqual(second.data?.credentials);
    expect((first.data?.credentials as { accessToken: string }).accessToken).toMatch(/^at_/);
  });

  it('leaks no client secret or token into responses, logs or audit events', async () => {
    const leaks = [provider.clientSecret, ...provider.issued.filter((t) => t.startsWith('rt_'))];
    const logs = cluster.logs();
    const audit = JSON.stringify(await cluster.auditEvents());
    const responses = cluster.bodies.join('\n');
    for (const secret of leaks) {
      expect(logs).not.toContain(secret);
      expect(audit).not.toContain(secret);
      expect(responses).not.toContain(secret);
    }
    for (const token of provider.issued.filter((t) => t.startsWith('at_'))) {
      expect(logs).not.toContain(token);
      expect(audit).not.toContain(token);
    }
  });
});
