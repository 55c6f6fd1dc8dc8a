import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import pino from 'pino';
import { AuditPublisher, AuditStream, type AuditEntry, type AuditPage, type AuditVerification } from '@junction/audit/contracts';
import { dropDatabase } from '@junction/platform/database';
import { ServiceMetrics } from '@junction/platform/metrics';
import { JetStreamQueue } from '@junction/platform/nats';
import { Namespace } from '@junction/platform/ports';
import { TEST_SERVERS, startServiceProcess, uniqueNamespace, waitFor, type ServiceProcess } from '@junction/shared/testing';

/**
 * The audit log through the public API, with gateway, auth and audit as real processes: the
 * events auth publishes when a workspace and its keys are made show up in `GET /v1/audit`,
 * scoped to the caller's workspace and role; verify and the NDJSON export work over HTTP.
 */
describe('audit through the gateway', () => {
  const namespace = uniqueNamespace('e2e_auditgw');
  const rootToken = randomBytes(32).toString('base64url');
  const env = { JUNCTION_NAMESPACE: namespace, NATS_URL: TEST_SERVERS.nats, REDIS_URL: TEST_SERVERS.redis, DATABASE_URL: TEST_SERVERS.postgres };
  let gateway: ServiceProcess;
  let auth: ServiceProcess;
  let audit: ServiceProcess;
  let nc: NatsConnection;
  let queue: JetStreamQueue;
  const keys = { admin: '', auditor: '', builder: '', otherAdmin: '' };
  let workspaceA = '';
  let workspaceB = '';

  async function get(path: string, key?: string): Promise<Response> {
    return fetch(`${gateway.url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  }

  async function json<T>(path: string, key: string): Promise<T> {
    const res = await get(path, key);
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  }

  async function post(path: string, key: string, body: unknown): Promise<Record<string, unknown>> {
    const res = await fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as Record<string, unknown>;
  }

  beforeAll(async () => {
    [gateway, auth, audit] = await Promise.all([
      startServiceProcess('gateway', { ...env, JUNCTION_ROOT_TOKEN: rootToken }),
      startServiceProcess('auth', env),
      startServiceProcess('audit', env),
    ]);
    nc = await connect({ servers: TEST_SERVERS.nats });
    queue = new JetStreamQueue(nc, await nc.jetstreamManager(), nc.jetstream(), new Namespace(namespace), pino({ level: 'silent' }), new ServiceMetrics('e2e'), 1);

    const a = await post('/v1/workspaces', rootToken, { name: 'Audited' });
    workspaceA = (a.workspace as { id: string }).id;
    keys.admin = (a.apiKey as { key: string }).key;
    const b = await post('/v1/workspaces', rootToken, { name: 'Other' });
    workspaceB = (b.workspace as { id: string }).id;
    keys.otherAdmin = (b.apiKey as { key: string }).key;
    keys.auditor = ((await post('/v1/api-keys', keys.admin, { name: 'auditor', role: 'auditor' })) as { key: string }).key;
    keys.builder = ((await post('/v1/api-keys', keys.admin, { name: 'builder', role: 'builder' })) as { key: string }).key;
  }, 90_000);

  afterAll(async () => {
    await Promise.all([gateway?.stop(), auth?.stop(), audit?.stop()]);
    await queue?.deleteStream(AuditStream);
    await nc?.drain();
    await Promise.all(['auth', 'audit'].map((s) => dropDatabase(TEST_SERVERS.postgres, `${namespace}_${s}`)));
  }, 60_000);

  it("lists the workspace's own events that auth published: creation and its keys", async () => {
    const page = await waitFor(async () => {
      const p = await json<AuditPage>('/v1/audit?action=api_key.created', keys.auditor);
      return p.items.length === 3 && p;
    });
    expect(page.items.every((e) => e.workspaceId === workspaceA)).toBe(true);
    expect(page.items.map((e) => e.changes?.role)).toEqual(['builder', 'auditor', 'admin']); // newest first
    const created = await json<AuditPage>(`/v1/audit?action=workspace.created&target=workspace:${workspaceA}`, keys.admin);
    expect(created.items).toHaveLength(1);
    expect(created.items[0]).toMatchObject({ actor: { type: 'root' }, target: { type: 'workspace', id: workspaceA } });

    const other = await waitFor(async () => {
      const p = await json<AuditPage>('/v1/audit?action=api_key.created', keys.otherAdmin);
      return p.items.length === 1 && p;
    });
    expect(other.items[0].workspaceId).toBe(workspaceB);
  });

  it('verifies the chain of the caller workspace', async () => {
    const result = await json<AuditVerification>('/v1/audit/verify', keys.auditor);
    expect(result.valid).toBe(true);
    expect(result.checked).toBeGreaterThanOrEqual(4);
  });

  it('streams a time range as NDJSON, oldest first, across many pages', async () => {
    // 450 more events: the export fetches them from the audit service 200 at a time
    const publisher = new AuditPublisher(queue);
    const base = Date.parse('2026-06-01T00:00:00Z');
    for (let batch = 0; batch < 9; batch++) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => {
          const n = batch * 50 + i;
          return publisher.record({
            workspaceId: workspaceA,
            actor: { type: 'service', id: 'e2e' },
            action: 'recipe.updated',
            target: { type: 'recipe', id: `r_${n}` },
            at: new Date(base + n * 1000),
          });
        }),
      );
    }
    await waitFor(async () => (await json<AuditPage>('/v1/audit?action=recipe.updated&limit=500', keys.admin)).items.length === 450, 30_000, 250);

    const res = await get('/v1/audit/export?since=2026-06-01T00:00:00Z&until=2026-06-02T00:00:00Z', keys.auditor);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = (await res.text()).split('\n');
    expect(lines.pop()).toBe('');
    const entries = lines.map((l) => JSON.parse(l) as AuditEntry);
    expect(entries).toHaveLength(450);
    expect(entries.every((e) => e.workspaceId === workspaceA && e.action === 'recipe.updated')).toBe(true);
    const seqs = entries.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));

    // a narrower range: seconds 100..149 after base
    const narrow = await (await get('/v1/audit/export?since=2026-06-01T00:01:40Z&until=2026-06-01T00:02:30Z', keys.admin)).text();
    expect(
      narrow
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as AuditEntry).target.id)
        .sort(),
    ).toEqual(Array.from({ length: 50 }, (_, i) => `r_${100 + i}`).sort());

    // another workspace's export holds none of it
    const theirs = await (await get('/v1/audit/export', keys.otherAdmin)).text();
    expect(theirs).not.toContain(workspaceA);
    expect(theirs.trim().split('\n').length).toBeGreaterThanOrEqual(2);
  });

  it('pages with the cursor it hands out', async () => {
    const first = await json<AuditPage>('/v1/audit?limit=100&action=recipe.updated', keys.admin);
    expect(first.nextCursor).toBeDefined();
    const second = await json<AuditPage>(`/v1/audit?limit=100&action=recipe.updated&cursor=${first.nextCursor}`, keys.admin);
    expect(second.items[0].seq).toBe(first.items[99].seq - 1);
  });

  it.each([
    ['/v1/audit', undefined, 401],
    ['/v1/audit/verify', undefined, 401],
    ['/v1/audit/export', undefined, 401],
    ['/v1/audit', 'builder', 403],
    ['/v1/audit/verify', 'builder', 403],
    ['/v1/audit/export', 'builder', 403],
  ] as const)('answers %s with key %s: %d problem', async (path, role, status) => {
    const res = await get(path, role ? keys[role] : undefined);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('documents the three routes and their filters in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${gateway.url}/docs/openapi.json`)).json()) as { paths: Record<string, { get: { parameters?: { name: string }[] } }> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/audit', '/v1/audit/verify', '/v1/audit/export']));
    expect(doc.paths['/v1/audit'].get.parameters?.map((p) => p.name).sort()).toEqual(['action', 'actor', 'cursor', 'limit', 'since', 'target', 'until']);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=abc', 'limit'],
    ['since=yesterday', 'since'],
    ['action=DROP%20TABLE', 'action'],
    ['cursor=%27%3B--', 'cursor'],
    ['workspaceId=other', 'workspaceId'],
  ])('refuses ?%s with a 400 naming %s', async (query, path) => {
    const res = await get(`/v1/audit?${query}`, keys.admin);
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path)).toContain(path);
  });

  it('refuses a range that ends before it starts, for the list and the export, before streaming anything', async () => {
    for (const path of ['/v1/audit', '/v1/audit/export']) {
      const res = await get(`${path}?since=2026-06-02T00:00:00Z&until=2026-06-01T00:00:00Z`, keys.admin);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });
});
