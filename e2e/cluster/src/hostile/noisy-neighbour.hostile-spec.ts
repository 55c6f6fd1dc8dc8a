import { request as httpRequest } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { uniqueNamespace, waitFor } from '@junction/shared/testing';
import { Cluster } from '../cluster-harness';

// small limits so each class is reached in a handful of requests
const LIMITS = {
  API_RATE_LIMIT_PER_KEY: 15,
  API_RATE_LIMIT_PER_WORKSPACE: 25,
  API_RATE_LIMIT_WINDOW_SEC: 60,
  LOGIN_ATTEMPTS_PER_ACCOUNT: 3,
  LOGIN_ATTEMPTS_PER_ADDRESS: 5,
  LOGIN_WINDOW_SEC: 600,
  INGRESS_WORKSPACE_QUEUE_LIMIT: 5,
  BREAKER_FAILURES: 2,
  BREAKER_HALF_OPEN_MS: 60_000,
};

interface Workspace {
  id: string;
  key: string;
}

/**
 * Issue #10 class 6, through the running services' public API: one tenant (or one anonymous
 * client) spending a shared resource must be stopped at its own budget while other tenants are
 * served — API budgets per key and per workspace, login guessing, unknown hooks with huge bodies,
 * per-workspace ingress quotas, and circuit breakers counted per workspace.
 */
describe('noisy neighbours and unauthenticated exhaustion (hostile)', () => {
  const cluster = new Cluster(uniqueNamespace('e2e_noisy'), Object.fromEntries([...Object.entries(LIMITS).map(([k, v]) => [k, String(v)]), ['HTTP_ACCESS_LOG', 'false']]));
  const sink = new FakeThirdParty();

  async function workspace(name: string): Promise<Workspace> {
    const created = await cluster.call<{ workspace: { id: string }; apiKey: { key: string } }>('POST', '/v1/workspaces', { name }, cluster.rootToken);
    expect(created.status).toBe(201);
    return { id: created.body.workspace.id, key: created.body.apiKey.key };
  }

  async function recipe(ws: Workspace, body: Record<string, unknown>): Promise<string> {
    const created = await cluster.call<{ id: string }>('POST', '/v1/recipes', body, ws.key);
    expect(created.status).toBe(201);
    return created.body.id;
  }

  async function hook(ws: Workspace, name: string): Promise<string> {
    const id = await recipe(ws, { name, trigger: { type: 'webhook' }, steps: [{ id: 'noop', set: { got: '{{ trigger.body.n }}' } }] });
    const started = await cluster.call<{ webhookUrl?: string }>('POST', `/v1/recipes/${id}/start`, undefined, ws.key);
    expect(started.status).toBe(200);
    return `${cluster.gatewayUrl}${new URL(started.body.webhookUrl ?? '', 'http://x').pathname}`;
  }

  beforeAll(async () => {
    await sink.start();
    sink
      .on('GET', '/down', { status: 503, text: 'down' })
      .on('POST', '/slow', { json: { ok: true }, delayMs: 20_000 })
      .on('GET', '/ok-a', { json: { ok: 'a' } })
      .on('GET', '/ok-b', { json: { ok: 'b' } });
    await cluster.start(['gateway', 'auth', 'connectors', 'executor']);
  }, 180_000);

  afterAll(async () => {
    await cluster.stop();
    await sink.close();
  }, 60_000);

  it('a key hammering /v1 gets 429 with Retry-After and the RateLimit headers, then its workspace is capped, while another workspace is served', async () => {
    const noisy = await workspace('noisy');
    const quiet = await workspace('quiet');
    const second = await cluster.call<{ key: string }>('POST', '/v1/api-keys', { name: 'hammer', role: 'admin' }, noisy.key);
    expect(second.status).toBe(201);
    const hammer = second.body.key;

    const replies = [];
    for (let i = 0; i < LIMITS.API_RATE_LIMIT_PER_KEY + 3; i++) replies.push(await cluster.call('GET', '/v1/connections', undefined, hammer));
    const served = replies.slice(0, LIMITS.API_RATE_LIMIT_PER_KEY);
    expect(served.map((r) => r.status)).toEqual(served.map(() => 200));
    // every authenticated answer says where the client stands
    expect(served[0].headers.get('ratelimit-policy')).toBe(`"key";q=${LIMITS.API_RATE_LIMIT_PER_KEY};w=60, "workspace";q=${LIMITS.API_RATE_LIMIT_PER_WORKSPACE};w=60`);
    expect(served[0].headers.get('ratelimit')).toMatch(new RegExp(`^"key";r=${LIMITS.API_RATE_LIMIT_PER_KEY - 1};t=\\d+, "workspace";r=\\d+;t=\\d+$`));
    expect(served.at(-1)?.headers.get('ratelimit')).toMatch(/^"key";r=0;/);

    const refused = replies.slice(LIMITS.API_RATE_LIMIT_PER_KEY);
    for (const r of refused) {
      expect(r.status).toBe(429);
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(r.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect(r.headers.get('ratelimit-policy')).toContain('"key";q=15;w=60');
      expect(r.headers.get('ratelimit')).toMatch(/^"key";r=0;t=\d+/);
      expect(r.body).toMatchObject({ status: 429, type: expect.stringMatching(/rate-limited$/), detail: expect.stringContaining('this API key') });
    }

    // another workspace is served, with its own full budget
    const other = await cluster.call('GET', '/v1/connections', undefined, quiet.key);
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit')).toMatch(new RegExp(`^"key";r=${LIMITS.API_RATE_LIMIT_PER_KEY - 1};t=\\d+, "workspace";r=${LIMITS.API_RATE_LIMIT_PER_WORKSPACE - 1};`));

    // the noisy workspace's other key shares the workspace budget: refused at the workspace cap
    const statuses: number[] = [];
    let capped: Awaited<ReturnType<typeof cluster.call>> | undefined;
    for (let i = 0; i < LIMITS.API_RATE_LIMIT_PER_WORKSPACE && !capped; i++) {
      const r = await cluster.call('GET', '/v1/connections', undefined, noisy.key);
      statuses.push(r.status);
      if (r.status === 429) capped = r;
    }
    expect(capped).toBeDefined();
    expect(capped?.body).toMatchObject({ detail: expect.stringContaining('this workspace') });
    expect(capped?.headers.get('retry-after')).toMatch(/^\d+$/);
    // 1 key creation + 15 hammered before this loop: the workspace had 9 left
    expect(statuses.filter((s) => s === 200)).toHaveLength(LIMITS.API_RATE_LIMIT_PER_WORKSPACE - 1 - LIMITS.API_RATE_LIMIT_PER_KEY);
    expect((await cluster.call('GET', '/v1/connections', undefined, quiet.key)).status).toBe(200);
  }, 60_000);

  it('login guessing is throttled per account and per client address before the auth service spends argon2 on it; X-Forwarded-For is not trusted', async () => {
    const ws = await workspace('logins');
    const password = `pw-${randomBytes(12).toString('hex')}`;
    for (const email of ['victim@example.com', 'ok@example.com']) {
      expect((await cluster.call('POST', '/v1/users', { email, password, role: 'builder' }, ws.key)).status).toBe(201);
    }
    const gateway = new URL(cluster.gatewayUrl);
    const login = (from: string, email: string, pw: string) => loginFrom(gateway, from, { email, password: pw }, { 'x-forwarded-for': randomAddress() });
    const loginsHandled = async () => {
      // the handler's timer stops after it replied: give the last reply's count a moment to land
      await new Promise((r) => setTimeout(r, 300));
      return handledCount(`${cluster.services.get('auth')?.metricsUrl}`, 'auth.login.v1');
    };

    // from 127.0.0.2: two wrong guesses on the victim, one success on another account
    expect((await login('127.0.0.2', 'victim@example.com', 'wrong-1')).status).toBe(401);
    expect((await login('127.0.0.2', 'victim@example.com', 'wrong-2')).status).toBe(401);
    expect((await login('127.0.0.2', 'ok@example.com', password)).status).toBe(201);
    // the success did not give this address back the failures other accounts cost it: 3 more and it is spent
    for (const n of [1, 2, 3]) expect((await login('127.0.0.2', `nobody-${n}@example.com`, 'guess')).status).toBe(401);
    const handledBefore = await loginsHandled();
    const byAddress = await login('127.0.0.2', 'nobody-4@example.com', 'guess');
    expect(byAddress.status).toBe(429);
    expect(Number(byAddress.headers['retry-after'])).toBeGreaterThan(0);
    expect(byAddress.headers['content-type']).toMatch(/problem\+json/);
    expect(JSON.parse(byAddress.body)).toMatchObject({ status: 429, detail: expect.stringContaining('from this address') });
    // even the right password: the address is refused before anyone checks it
    expect((await login('127.0.0.2', 'ok@example.com', password)).status).toBe(429);

    // the victim's account, from a fresh address: one more failure reaches its budget, then even the right password waits
    expect((await login('127.0.0.3', 'victim@example.com', 'wrong-3')).status).toBe(401);
    const handledMid = await loginsHandled();
    const byAccount = await login('127.0.0.3', 'Victim@Example.com', password);
    expect(byAccount.status).toBe(429);
    expect(JSON.parse(byAccount.body)).toMatchObject({ detail: expect.stringContaining('for this account') });
    expect(Number(byAccount.headers['retry-after'])).toBeGreaterThan(0);
    // the refused attempts never reached the auth service (argon2 is not spent on them)
    expect(handledMid - handledBefore).toBe(1);
    expect(await loginsHandled()).toBe(handledMid);

    // another account from another address logs in
    expect((await login('127.0.0.4', 'ok@example.com', password)).status).toBe(201);
  }, 60_000);

  it('a huge body to an unknown hook is answered 404 before a byte of it is read, and the connection is closed', async () => {
    const gateway = new URL(cluster.gatewayUrl);
    for (const extra of ['Content-Length: 16777216', 'Content-Length: 16777216\r\nContent-Encoding: gzip', 'Transfer-Encoding: chunked']) {
      const started = performance.now();
      // only the head is sent: a server that read the body first would never answer
      const reply = await rawExchange(gateway, `POST /hooks/${'h'.repeat(26)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${extra}\r\n\r\n`);
      expect(reply.head).toMatch(/^HTTP\/1\.1 404 /);
      expect(reply.head.toLowerCase()).toContain('connection: close');
      expect(reply.closedByServer).toBe(true);
      process.stdout.write(`unknown hook (${extra.split('\r\n').join(', ')}): 404 after ${Math.round(performance.now() - started)} ms, 0 body bytes sent\n`);
    }
  }, 60_000);

  it('one workspace’s webhook flood gets 429 + Retry-After at its share of the queue while another workspace’s webhooks are accepted', async () => {
    const flooder = await workspace('flooder');
    const neighbour = await workspace('neighbour');
    // one slow job at a time (20 s each, nothing drains during the test): the flood piles up as this workspace's queued jobs
    const slow = await recipe(flooder, {
      name: 'flood',
      trigger: { type: 'webhook' },
      steps: [{ id: 'post', action: 'http.request', input: { method: 'POST', url: `${sink.url}/slow`, body: '{{ trigger.body }}' } }],
      settings: { concurrency: 1 },
    });
    const started = await cluster.call<{ webhookUrl?: string }>('POST', `/v1/recipes/${slow}/start`, undefined, flooder.key);
    expect(started.status).toBe(200);
    const floodHook = `${cluster.gatewayUrl}${new URL(started.body.webhookUrl ?? '', 'http://x').pathname}`;
    const neighbourHook = await hook(neighbour, 'calm');
    const deliver = (url: string, n: number) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n }) });

    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let n = 0; n < 15; n++) {
      const res = await deliver(floodHook, n);
      statuses.push(res.status);
      if (res.status === 429) refused ??= res;
      else await res.arrayBuffer();
    }
    const accepted = statuses.filter((s) => s === 202).length;
    process.stdout.write(`workspace flood: ${accepted} of 15 accepted at a share of ${LIMITS.INGRESS_WORKSPACE_QUEUE_LIMIT} queued jobs (${statuses.join(' ')})\n`);
    expect(statuses.every((s) => s === 202 || s === 429)).toBe(true);
    // never refused below its share; a little overshoot is allowed (the backlog is measured once a second)
    expect(statuses.slice(0, LIMITS.INGRESS_WORKSPACE_QUEUE_LIMIT)).toEqual(Array(LIMITS.INGRESS_WORKSPACE_QUEUE_LIMIT).fill(202));
    expect(accepted).toBeLessThanOrEqual(LIMITS.INGRESS_WORKSPACE_QUEUE_LIMIT + 3);
    expect(refused?.headers.get('retry-after')).toBe('5');
    expect(await refused?.json()).toMatchObject({ status: 429, type: expect.stringMatching(/workspace-queue-full$/) });

    // the neighbour is not affected: its webhooks are accepted and run
    for (let n = 0; n < 3; n++) expect((await deliver(neighbourHook, n)).status).toBe(202);
    // the flooder's API runs count against the same share: the share is of queued jobs (its one
    // running job is not one), so at most one more gets in before the refusal
    const apiRuns: number[] = [];
    for (let i = 0; i < 3 && !apiRuns.includes(429); i++) apiRuns.push((await cluster.call('POST', `/v1/recipes/${slow}/runs`, { n: `api-${i}` }, flooder.key)).status);
    expect(apiRuns.at(-1)).toBe(429);
    expect(apiRuns.length).toBeLessThanOrEqual(2);

    // the share is checked before the body is read: a refused sender's huge body is never taken in
    const reply = await rawExchange(
      new URL(cluster.gatewayUrl),
      `POST ${new URL(floodHook).pathname} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 16777216\r\n\r\n`,
    );
    expect(reply.head).toMatch(/^HTTP\/1\.1 429 /);
    expect(reply.head.toLowerCase()).toMatch(/retry-after: 5/);
  }, 90_000);

  it('workspace A’s failing host opens only A’s breaker: B’s calls to the same host go through', async () => {
    const a = await workspace('breaker-a');
    const b = await workspace('breaker-b');
    const failing = await recipe(a, {
      name: 'down',
      trigger: { type: 'manual' },
      steps: [{ id: 'call', action: 'http.request', input: { method: 'GET', url: `${sink.url}/down` } }],
    });
    const laterA = await recipe(a, {
      name: 'a ok',
      trigger: { type: 'manual' },
      steps: [{ id: 'call', action: 'http.request', input: { method: 'GET', url: `${sink.url}/ok-a` } }],
    });
    const healthyB = await recipe(b, {
      name: 'b ok',
      trigger: { type: 'manual' },
      steps: [{ id: 'call', action: 'http.request', input: { method: 'GET', url: `${sink.url}/ok-b` } }],
    });

    for (let i = 0; i < 2; i++) expect((await cluster.call('POST', `/v1/recipes/${failing}/runs`, {}, a.key)).status).toBe(202);
    const metricsUrl = `${cluster.services.get('connectors')?.metricsUrl}`;
    await waitFor(async () => (await metricValue(metricsUrl, 'junction_connector_breaker_openings_total')) >= 1, 30_000, 200);

    // the same host, another workspace: called, and the job succeeds
    const runB = await cluster.call<{ status: string }>('POST', `/v1/recipes/${healthyB}/runs?wait=true&timeoutMs=15000`, {}, b.key);
    expect(runB.status).toBe(200);
    expect(runB.body.status).toBe('succeeded');
    expect(sink.requestsTo('/ok-b')).toHaveLength(1);

    // A's own call to that host is deferred by A's open breaker: nothing sent
    const runA = await cluster.call<{ status: string }>('POST', `/v1/recipes/${laterA}/runs?wait=true&timeoutMs=3000`, {}, a.key);
    expect(runA.body.status).not.toBe('succeeded');
    expect(sink.requestsTo('/ok-a')).toHaveLength(0);

    // the metrics count breakers by state, with no workspace or host label
    const text = await (await fetch(metricsUrl)).text();
    expect(text).toMatch(/junction_connector_breakers\{state="open"[^}]*\} 1\b/);
    const breakerLines = text.split('\n').filter((l) => l.startsWith('junction_connector_breaker'));
    expect(breakerLines.join('\n')).not.toMatch(/workspace|host=|127\.0\.0\.1|ws_/);
  }, 90_000);
});

function randomAddress(): string {
  return `198.51.100.${1 + Math.floor(Math.random() * 250)}`;
}

/** A login sent from a chosen loopback address (Linux answers on all of 127/8). */
function loginFrom(gateway: URL, localAddress: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: gateway.hostname,
        port: gateway.port,
        path: '/v1/sessions',
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Sends `head` and nothing more; resolves with the response head and whether the server closed the connection. */
function rawExchange(gateway: URL, head: string): Promise<{ head: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: gateway.hostname, port: Number(gateway.port) });
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within 10 s; got ${JSON.stringify(received.slice(0, 200))}`));
    }, 10_000);
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('end', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ head: received.split('\r\n\r\n')[0], closedByServer: true });
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.write(head);
  });
}

async function metricsText(url: string): Promise<string> {
  return (await fetch(url)).text();
}

async function metricValue(url: string, name: string): Promise<number> {
  const line = (await metricsText(url)).split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** Requests of one subject this service has answered, any outcome. */
async function handledCount(url: string, subject: string): Promise<number> {
  return (await metricsText(url))
    .split('\n')
    .filter((l) => l.startsWith('junction_bus_handler_duration_seconds_count{') && l.includes(`${subject}"`))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}
