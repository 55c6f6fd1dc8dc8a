import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { databaseUrl } from '@junction/platform/database';
import { ROOT_SCOPE, fingerprintOf, keyHashOf, keyScopeOf, type IdempotencyOwner } from '@junction/platform/idempotency';
import { TEST_SERVERS, waitFor } from '@junction/shared/testing';
import { acmeConnector } from './acme-connector';
import { Cluster, RUN_MODES, type Reply, type RunMode } from './cluster-harness';

/** A workspace of this suite, with its first admin key (its id is the caller a secret is bound to). */
interface Workspace {
  id: string;
  key: string;
  keyId: string;
}

/** One request of a create route, made for a workspace. */
interface Call {
  url: string;
  body: Record<string, unknown>;
  /** The same route and key, another request: must be refused with 422. */
  otherBody: Record<string, unknown>;
}

interface CreateRoute {
  name: string;
  owner: IdempotencyOwner;
  /** The route's template, as the key is kept under it. */
  route: string;
  status: number;
  /** `POST /v1/workspaces`: the root token, not a workspace's key. */
  root?: boolean;
  /** The answer shows a secret once: the caller is part of the request. */
  showsSecretOnce?: boolean;
  prepare(ws: Workspace): Promise<Call>;
  /**
   * Proves a workspace's answer is its own when two workspaces' answers may read alike (a run's id
   * is named after the key): the resource exists in that workspace. Default: the answers differ.
   */
  ownedBy?(ws: Workspace, request: Call): Promise<void>;
}

interface Problem {
  type?: string;
  status?: number;
  detail?: string;
}

/**
 * `Idempotency-Key` on every create route (issue #18.3), table-driven, in both modes: the first
 * answer replayed, another body refused (422), a key still held by a request in flight (409),
 * another workspace's use of the same key a fresh request of its own.
 */
describe.each(RUN_MODES)('Idempotency-Key on every create route (%s)', (mode: RunMode) => {
  const cluster = Cluster.inMode(mode);
  const thirdParty = new FakeThirdParty();
  const workspaces: Workspace[] = [];
  let failedJobs: Map<string, string[]>;

  const call = <T = Record<string, unknown>>(token: string, url: string, body: unknown, key?: string): Promise<Reply<T>> =>
    cluster.call<T>('POST', url, body, token, key === undefined ? {} : { 'idempotency-key': key });

  const workspace = async (name: string): Promise<Workspace> => {
    const made = await cluster.call<{ workspace: { id: string }; apiKey: { id: string; key: string } }>('POST', '/v1/workspaces', { name }, cluster.rootToken);
    expect(made.status).toBe(201);
    return { id: made.body.workspace.id, key: made.body.apiKey.key, keyId: made.body.apiKey.id };
  };

  const recipe = async (ws: Workspace, body: Record<string, unknown>): Promise<string> => {
    const made = await call<{ id: string }>(ws.key, '/v1/recipes', body);
    expect(made.status).toBe(201);
    return made.body.id;
  };

  /** A job of this workspace that failed (a call its third party refuses), for the rerun routes. */
  const failedJob = async (ws: Workspace): Promise<string> => {
    const recipeId = await recipe(ws, {
      name: `fails ${randomUUID()}`,
      trigger: { type: 'manual' },
      steps: [{ id: 'call', action: 'http.request', input: { method: 'POST', url: `${thirdParty.url}/refuses`, body: {} } }],
    });
    const run = await call<{ status: string; jobId: string }>(ws.key, `/v1/recipes/${recipeId}/runs?wait=true&timeoutMs=30000`, {});
    expect(run.body.status).toBe('failed');
    const jobs = failedJobs.get(ws.id) ?? [];
    failedJobs.set(ws.id, [...jobs, run.body.jobId]);
    return run.body.jobId;
  };

  const manualRecipe = (name: string) => ({ name, trigger: { type: 'manual' }, steps: [{ id: 'greet', respond: { body: { hello: '{{ trigger.name }}' } } }] });

  const ROUTES: CreateRoute[] = [
    {
      name: 'workspace',
      owner: 'auth',
      route: '/v1/workspaces',
      status: 201,
      root: true,
      showsSecretOnce: true,
      prepare: async () => ({ url: '/v1/workspaces', body: { name: `ws ${randomUUID()}` }, otherBody: { name: 'another workspace' } }),
    },
    {
      name: 'API key',
      owner: 'auth',
      route: '/v1/api-keys',
      status: 201,
      showsSecretOnce: true,
      prepare: async () => ({ url: '/v1/api-keys', body: { name: 'ci', role: 'builder' }, otherBody: { name: 'ci', role: 'admin' } }),
    },
    {
      name: 'user',
      owner: 'auth',
      route: '/v1/users',
      status: 201,
      prepare: async () => {
        const n = randomUUID().slice(0, 8);
        return {
          url: '/v1/users',
          body: { email: `ann-${n}@example.com`, password: 'correct horse battery staple', role: 'builder' },
          otherBody: { email: `bob-${n}@example.com`, password: 'correct horse battery staple', role: 'builder' },
        };
      },
    },
    {
      name: 'connection',
      owner: 'auth',
      route: '/v1/connections',
      status: 201,
      prepare: async () => {
        const n = randomUUID().slice(0, 8);
        return {
          url: '/v1/connections',
          body: { name: `crm ${n}`, connector: 'http', credentials: { token: 'tok-idempotent-secret', allowedHosts: thirdParty.url } },
          otherBody: { name: `crm ${n} bis`, connector: 'http', credentials: { token: 'tok-other-secret', allowedHosts: thirdParty.url } },
        };
      },
    },
    {
      name: 'connector registration',
      owner: 'connectors',
      route: '/v1/connectors',
      status: 201,
      prepare: async () => {
        const key = `acme-${randomUUID().slice(0, 8)}`;
        return { url: '/v1/connectors', body: acmeConnector(thirdParty.url, key), otherBody: { ...acmeConnector(thirdParty.url, key), displayName: 'Acme, renamed' } };
      },
    },
    {
      name: 'recipe',
      owner: 'executor',
      route: '/v1/recipes',
      status: 201,
      prepare: async () => ({ url: '/v1/recipes', body: manualRecipe(`hello ${randomUUID()}`), otherBody: manualRecipe('another recipe') }),
    },
    {
      name: 'run (a job)',
      owner: 'executor',
      route: '/v1/recipes/:id/runs',
      status: 202,
      prepare: async (ws) => {
        const id = await recipe(ws, manualRecipe(`runnable ${randomUUID()}`));
        return { url: `/v1/recipes/${id}/runs`, body: { name: 'Ada' }, otherBody: { name: 'Grace' } };
      },
      ownedBy: async (ws, request) => {
        const recipeId = request.url.split('/')[3];
        await waitFor(async () => {
          const jobs = await cluster.call<{ items: unknown[] }>('GET', `/v1/jobs?recipeId=${recipeId}`, undefined, ws.key);
          return jobs.body.items.length === 1;
        }, 20_000);
      },
    },
    {
      name: 'rerun of a job',
      owner: 'executor',
      route: '/v1/jobs/:id/rerun',
      status: 200,
      prepare: async (ws) => ({ url: `/v1/jobs/${await failedJob(ws)}/rerun`, body: {}, otherBody: { version: 'latest' } }),
    },
    {
      name: "rerun of a recipe's failed jobs",
      owner: 'executor',
      route: '/v1/jobs/rerun',
      status: 200,
      prepare: async (ws) => {
        const jobId = await failedJob(ws);
        const job = await cluster.call<{ recipeId: string }>('GET', `/v1/jobs/${jobId}`, undefined, ws.key);
        return { url: '/v1/jobs/rerun', body: { recipeId: job.body.recipeId }, otherBody: { recipeId: job.body.recipeId, limit: 1 } };
      },
    },
  ];

  /** The database server of the mode: the shared Postgres, or the standalone's embedded one. */
  const serverUrl = (): string => {
    if (mode === 'cluster') return TEST_SERVERS.postgres;
    const port = readFileSync(join(cluster.dataDir, 'pg', 'postmaster.pid'), 'utf8')
      .split('\n')[3]
      .trim();
    const password = readFileSync(join(cluster.dataDir, 'pg-password'), 'utf8').trim();
    return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  };

  /**
   * What another gateway leaves while its request runs: the owner's row for this key, held. Written
   * in the owner's database, so the test does not race a real request to catch it in flight.
   */
  const holdInFlight = async (route: CreateRoute, ws: Workspace, key: string, request: Call): Promise<void> => {
    const workspaceId = route.root ? ROOT_SCOPE : ws.id;
    const scope = keyScopeOf(workspaceId, 'POST', route.route);
    const caller = route.root ? ROOT_SCOPE : `api_key:${ws.keyId}`;
    const body = route.showsSecretOnce ? { caller, body: request.body } : request.body;
    const client = new Client({ connectionString: databaseUrl(serverUrl(), `${cluster.namespace}_${route.owner}`) });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO idempotency_keys (workspace_id, key_hash, fingerprint, state, locked_until, created_at, expires_at)
         VALUES ($1, $2, $3, 'in_flight', now() + interval '5 minutes', now(), now() + interval '24 hours')`,
        [workspaceId, keyHashOf(key, scope), fingerprintOf(key, 'POST', request.url, body)],
      );
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    failedJobs = new Map();
    await thirdParty.start();
    thirdParty.on('POST', '/refuses', { status: 400, json: { error: 'refused' } });
    await cluster.start(['gateway', 'auth', 'connectors', 'scheduler', 'executor', 'audit']);
    workspaces.push(await workspace('idempotency A'), await workspace('idempotency B'));
  }, 240_000);

  afterAll(async () => {
    await cluster.stop();
    await thirdParty.close();
  }, 60_000);

  describe.each(ROUTES.map((r) => [r.name, r] as const))('%s', (_name, route) => {
    const tokenOf = (ws: Workspace) => (route.root ? cluster.rootToken : ws.key);

    it('answers the same key and body with the first response again, and another body with 422', async () => {
      const [a] = workspaces;
      const request = await route.prepare(a);
      const key = `create-${randomUUID()}`;
      const first = await call(tokenOf(a), request.url, request.body, key);
      expect(first.status).toBe(route.status);
      expect(first.headers.get('idempotent-replayed')).toBeNull();

      // a client re-serialising the same object (other key order) sends the same request
      const reordered = Object.fromEntries(Object.entries(request.body).reverse());
      const again = await call(tokenOf(a), request.url, reordered, key);
      expect({ status: again.status, body: again.body }).toEqual({ status: first.status, body: first.body });
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.headers.get('location')).toBe(first.headers.get('location'));

      const other = await call<Problem>(tokenOf(a), request.url, request.otherBody, key);
      expect(other.status).toBe(422);
      expect(other.headers.get('content-type')).toContain('application/problem+json');
      expect(other.body.type).toContain('idempotency-key-reused');

      // a new key is a new request: created again (or, for a rerun, run again)
      const fresh = await call(tokenOf(a), request.url, request.otherBody, `create-${randomUUID()}`);
      expect(fresh.status).toBe(route.status);
      expect(fresh.body).not.toEqual(first.body);
    }, 90_000);

    it('answers 409 with Retry-After while a request with the key is still in flight', async () => {
      const [a] = workspaces;
      const request = await route.prepare(a);
      const key = `in-flight-${randomUUID()}`;
      await holdInFlight(route, a, key, request);
      const busy = await call<Problem>(tokenOf(a), request.url, request.body, key);
      expect(busy.status).toBe(409);
      expect(busy.headers.get('content-type')).toContain('application/problem+json');
      expect(busy.headers.get('retry-after')).toBe('1');
      expect(busy.body.type).toContain('idempotency-key-in-use');
      // another body under a held key is still another request
      expect((await call(tokenOf(a), request.url, request.otherBody, key)).status).toBe(422);
    }, 90_000);

    if (!route.root) {
      it("hostile: workspace B sending workspace A's key gets a fresh result of its own, never A's", async () => {
        const [a, b] = workspaces;
        const key = `shared-${randomUUID()}`;
        const inA = await route.prepare(a);
        const first = await call(a.key, inA.url, inA.body, key);
        expect(first.status).toBe(route.status);
        const inB = await route.prepare(b);
        const theirs = await call(b.key, inB.url, inB.body, key);
        expect(theirs.status).toBe(route.status);
        expect(theirs.headers.get('idempotent-replayed')).toBeNull();
        if (route.ownedBy) {
          await route.ownedBy(a, inA);
          await route.ownedBy(b, inB);
        } else {
          expect(theirs.body).not.toEqual(first.body);
        }
        // and B's own retry replays B's answer, not A's
        const retried = await call(b.key, inB.url, inB.body, key);
        expect(retried.body).toEqual(theirs.body);
      }, 90_000);
    }
  });

  it('answers 409 to a retry sent while the first request still runs, and the first answer once it is done', async () => {
    const [a] = workspaces;
    const id = await recipe(a, {
      name: `slow ${randomUUID()}`,
      trigger: { type: 'manual' },
      steps: [
        { id: 'nap', delay: '3s' },
        { id: 'done', respond: { body: { done: true } } },
      ],
    });
    const url = `/v1/recipes/${id}/runs?wait=true&timeoutMs=30000`;
    const key = `slow-${randomUUID()}`;
    const first = call(a.key, url, { n: 1 }, key);
    // its job exists: the first request holds the key and waits for the job's answer
    await waitFor(async () => (await cluster.call<{ items: unknown[] }>('GET', `/v1/jobs?recipeId=${id}`, undefined, a.key)).body.items.length === 1, 20_000);
    const retry = await call<Problem>(a.key, url, { n: 1 }, key);
    expect(retry.status).toBe(409);
    expect(retry.body.type).toContain('idempotency-key-in-use');
    const answered = await first;
    expect({ status: answered.status, body: answered.body }).toEqual({ status: 200, body: { done: true } });
    const later = await call(a.key, url, { n: 1 }, key);
    expect({ status: later.status, body: later.body, replayed: later.headers.get('idempotent-replayed') }).toEqual({ status: 200, body: { done: true }, replayed: 'true' });
    const jobs = await cluster.call<{ items: unknown[] }>('GET', `/v1/jobs?recipeId=${id}`, undefined, a.key);
    expect(jobs.body.items).toHaveLength(1);
  }, 60_000);

  it('replays a new API key’s secret only to the caller that created it', async () => {
    const [a] = workspaces;
    const second = await call<{ key: string }>(a.key, '/v1/api-keys', { name: 'second admin', role: 'admin' });
    expect(second.status).toBe(201);
    const key = `secret-${randomUUID()}`;
    const created = await call<{ key: string }>(a.key, '/v1/api-keys', { name: 'ci', role: 'builder' }, key);
    expect(created.status).toBe(201);
    const byOther = await call(second.body.key, '/v1/api-keys', { name: 'ci', role: 'builder' }, key);
    expect(byOther.status).toBe(422);
    expect(JSON.stringify(byOther.body)).not.toContain(created.body.key);
    const byCreator = await call<{ key: string }>(a.key, '/v1/api-keys', { name: 'ci', role: 'builder' }, key);
    expect(byCreator.body.key).toBe(created.body.key);
  }, 60_000);

  it('keeps one key per route: the same key on two routes is two requests', async () => {
    const [a] = workspaces;
    const key = `two-routes-${randomUUID()}`;
    const keyMade = await call(a.key, '/v1/api-keys', { name: 'two routes', role: 'builder' }, key);
    const recipeMade = await call(a.key, '/v1/recipes', manualRecipe(`two routes ${randomUUID()}`), key);
    expect([keyMade.status, recipeMade.status]).toEqual([201, 201]);
  }, 60_000);

  it('refuses a malformed key with 400 naming the header, and creates nothing', async () => {
    const [a] = workspaces;
    const name = `malformed ${randomUUID()}`;
    const refused = await call<{ errors?: { path: string }[] }>(a.key, '/v1/recipes', manualRecipe(name), 'k'.repeat(256));
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.[0].path).toBe('Idempotency-Key');
    const list = await cluster.call<{ items: { name: string }[] }>('GET', '/v1/recipes?limit=100', undefined, a.key);
    expect(list.body.items.map((r) => r.name)).not.toContain(name);
  }, 60_000);
});
