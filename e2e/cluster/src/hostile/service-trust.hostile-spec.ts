import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, ErrorCode, nkeyAuthenticator, type NatsConnection } from 'nats';
import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { TEST_SERVERS, startNatsServer, startRedisServer, uniqueNamespace, waitFor, type ThrowawayServer } from '@junction/shared/testing';
import { Cluster, type ServiceName } from '../cluster-harness';

const root = join(__dirname, '../../../..');
const CANARY = `trust-${randomBytes(12).toString('hex')}`;
const ADMIN = 'test-admin';
const ADMIN_PASSWORD = randomBytes(16).toString('hex');
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

interface Generated {
  natsAuthConf: string;
  redisAcl: string;
  services: { service: ServiceName; env: Record<string, string> }[];
}

/**
 * Hostile tier, class 9: the six services run against a NATS and a Redis of the test's own that
 * admit only the credentials generated from the services' declared access. A whole run — API,
 * recipe, credentials read by connectors from auth, a large payload through the claim check,
 * audit — works with those permissions, no service hits a permission it lacks, and a forged
 * caller on the same network reads no credential.
 */
describe('service-to-service trust on an authenticated NATS and Redis (hostile)', () => {
  const namespace = uniqueNamespace('hx_trust');
  const dir = mkdtempSync(join(tmpdir(), 'junction-trust-'));
  const home = new FakeThirdParty();
  let generated: Generated;
  let nats: ThrowawayServer;
  let redis: ThrowawayServer;
  let cluster: Cluster;
  let natsUrl = '';
  let connectionId = '';
  const clients: NatsConnection[] = [];

  const envOf = (service: ServiceName): Record<string, string> => generated.services.find((s) => s.service === service)?.env ?? {};

  async function natsAs(service: ServiceName): Promise<NatsConnection> {
    const nc = await connect({
      servers: natsUrl,
      authenticator: nkeyAuthenticator(new TextEncoder().encode(envOf(service)['NATS_NKEY_SEED'])),
      inboxPrefix: `_INBOX_${namespace}_${service}`,
      reconnect: false,
    });
    clients.push(nc);
    return nc;
  }

  beforeAll(async () => {
    execFileSync(process.execPath, ['-r', '@swc-node/register', 'tools/scripts/service-auth.ts', '--namespace', namespace, '--out', dir], { cwd: root, stdio: 'pipe' });
    generated = JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8')) as Generated;
    // a test-only administrator reads the server's ACL log: every command a service was refused
    const acl = `${generated.redisAcl}user ${ADMIN} on >${ADMIN_PASSWORD} ~* &* +@all\n`;
    [nats, redis] = await Promise.all([startNatsServer(generated.natsAuthConf), startRedisServer(acl)]);
    natsUrl = `nats://127.0.0.1:${nats.port}`;
    await home.start();
    home.on('POST', '/orders', { json: { stored: true } });

    cluster = new Cluster(namespace, { NATS_URL: natsUrl, REDIS_URL: `redis://127.0.0.1:${redis.port}` }, Object.fromEntries(generated.services.map((s) => [s.service, s.env])));
    await cluster.start(['gateway', 'auth', 'connectors', 'executor', 'scheduler', 'audit']);
    const created = await cluster.call<{ id: string }>('POST', '/v1/connections', {
      name: 'orders api',
      connector: 'http',
      credentials: { token: CANARY, allowedHosts: home.url },
    });
    expect(created.status).toBe(201);
    connectionId = created.body.id;
  }, 240_000);

  afterAll(async () => {
    await Promise.all(clients.map((nc) => nc.close().catch(() => undefined)));
    await cluster?.stop();
    await Promise.all([nats?.dispose(), redis?.dispose(), home.close()]);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('a run with a credential and a payload above the claim threshold succeeds', async () => {
    const recipe = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
      name: 'orders',
      trigger: { type: 'manual' },
      steps: [{ id: 'send', action: 'http.request', connection: connectionId, input: { method: 'POST', url: `${home.url}/orders`, body: { blob: '{{ trigger.blob }}' } } }],
    });
    expect(recipe.status).toBe(201);
    const blob = 'x'.repeat(400 * 1024);
    const ran = await cluster.call<{ jobId: string; status: string }>('POST', `/v1/recipes/${recipe.body.id}/runs?wait=true&timeoutMs=60000`, { blob });
    expect(ran.status).toBe(200);
    const job = await waitFor(
      async () => {
        const j = await cluster.call<{ status: string }>('GET', `/v1/jobs/${ran.body.jobId}`);
        return ['succeeded', 'failed', 'cancelled'].includes(j.body.status) ? j.body : undefined;
      },
      60_000,
      250,
    );
    expect(job.status).toBe('succeeded');
    const [delivered] = home.requestsTo('/orders');
    expect(delivered?.headers['authorization']).toBe(`Bearer ${CANARY}`);
    expect(delivered?.body.length).toBeGreaterThan(400 * 1024);

    // auth's and the executor's audit events travel the AUDIT stream to the audit service, which stores them
    const audited = await waitFor(async () => {
      const page = await cluster.call<{ items: { action: string }[] }>('GET', '/v1/audit?limit=100');
      const actions = new Set(page.body.items?.map((e) => e.action));
      return actions.has('connection.created') && actions.has('recipe.created') ? actions : undefined;
    }, 30_000);
    expect(audited.has('credential.read')).toBe(true);
  }, 120_000);

  it('a schedule recipe ticks: executor to scheduler, and scheduler events back to the executor', async () => {
    home.on('POST', '/tick', { json: {} });
    const recipe = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
      name: 'every second',
      trigger: { type: 'schedule', cron: '* * * * * *' },
      steps: [{ id: 'ping', action: 'http.request', input: { method: 'POST', url: `${home.url}/tick`, body: { at: '{{ trigger.scheduledAt }}' } } }],
    });
    expect(recipe.status).toBe(201);
    expect((await cluster.call('POST', `/v1/recipes/${recipe.body.id}/start`)).status).toBe(200);
    await waitFor(() => home.requestsTo('/tick').length >= 2, 20_000);
    // the recipe view asks the scheduler for its status: a call the executor must have been granted
    const view = await cluster.call<{ schedule?: { enabled: boolean; nextFireAt?: string; lastFireAt?: string } }>('GET', `/v1/recipes/${recipe.body.id}`);
    expect(view.status).toBe(200);
    expect(view.body.schedule).toMatchObject({ enabled: true, nextFireAt: expect.any(String), lastFireAt: expect.any(String) });
    expect((await cluster.call('POST', `/v1/recipes/${recipe.body.id}/stop`)).status).toBe(200);
  }, 60_000);

  it('no service needed a permission it was not granted, nor used NATS beyond its declared access', () => {
    for (const [name, service] of cluster.services) {
      const log = service.output.join('\n');
      expect({ name, violations: log.match(/Permissions Violation[^"]*"[^"]*"/gi) ?? [] }).toEqual({ name, violations: [] });
      expect({ name, undeclared: log.match(/without declaring it/g) ?? [] }).toEqual({ name, undeclared: [] });
    }
    expect(nats.output.join('\n')).not.toMatch(/Permissions Violation/i);
  });

  it('no service was refused a Redis command or key (the ACL log is empty)', async () => {
    const { Redis } = await import('ioredis');
    const admin = new Redis(`redis://127.0.0.1:${redis.port}`, { username: ADMIN, password: ADMIN_PASSWORD });
    try {
      expect(await admin.call('ACL', 'LOG')).toEqual([]);
      // the services did use it: rate limits, idempotency and queue reports live there
      expect(await admin.dbsize()).toBeGreaterThan(0);
    } finally {
      admin.disconnect();
    }
  });

  it('a forged caller cannot read the credential: not without credentials, not as the gateway, not on the shared default server', async () => {
    const request = encode({ workspaceId: cluster.workspaceId, connectionId, jobId: 'forged' });
    const subject = `${namespace}.auth.read-credentials.v1`;

    await expect(connect({ servers: natsUrl, reconnect: false })).rejects.toMatchObject({ code: ErrorCode.AuthorizationViolation });
    for (const forger of ['gateway', 'scheduler', 'audit', 'executor'] as const) {
      const nc = await natsAs(forger);
      await expect(nc.request(subject, request, { timeout: 2000 })).rejects.toMatchObject({ code: ErrorCode.PermissionsViolation });
    }
    // the shared, auth-less server of this machine does not carry this deployment's subjects at all
    const shared = await connect({ servers: TEST_SERVERS.nats });
    clients.push(shared);
    await expect(shared.request(subject, request, { timeout: 1000 })).rejects.toMatchObject({ code: ErrorCode.NoResponders });

    // the one service entitled to it still gets it: the permission, not an outage, stops the others
    const connectors = await natsAs('connectors');
    const reply = new TextDecoder().decode((await connectors.request(subject, request, { timeout: 5000 })).data);
    expect(reply).toContain(CANARY);
  });

  it('Redis admits each service only with its own password, and never anonymously', async () => {
    const { Redis } = await import('ioredis');
    const probe = (username?: string, password?: string) => {
      const client = new Redis(`redis://127.0.0.1:${redis.port}`, { username, password, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      client.on('error', () => undefined);
      return client
        .connect()
        .then(() => client.ping())
        .finally(() => client.disconnect());
    };
    await expect(probe()).rejects.toBeDefined();
    await expect(probe(envOf('gateway')['REDIS_USERNAME'], envOf('auth')['REDIS_PASSWORD'])).rejects.toBeDefined();
    await expect(probe(envOf('gateway')['REDIS_USERNAME'], envOf('gateway')['REDIS_PASSWORD'])).resolves.toBe('PONG');
  });
});
