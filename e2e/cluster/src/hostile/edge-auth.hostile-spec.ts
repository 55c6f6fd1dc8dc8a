import { Client } from 'pg';
import { databaseUrl } from '@junction/platform/database';
import { TEST_SERVERS } from '@junction/shared/testing';
import { Cluster } from '../cluster-harness';
import { rawRequest, type RawReply } from './raw-http';

/** Routes answered without a principal, each marked `@PublicRoute()` (or served outside Nest). */
const PUBLIC_OPERATIONS = new Set(['POST /v1/sessions', 'GET /v1/oauth/callback', 'GET /.well-known/jwks.json', 'POST /hooks/{hookId}']);

/** Ids of the right format for each path parameter, so a 401 is the guard's and not a 400 of a pipe. */
const SAMPLE_PARAMS: Record<string, string> = {
  '/v1/connections/{id}': 'conn_01HZZZZZZZZZZZZZZZZZZZZZZZ',
  '/v1/api-keys/{id}': 'key_01HZZZZZZZZZZZZZZZZZZZZZZZ',
  '/v1/recipes/{id}': 'rcp_01HZZZZZZZZZZZZZZZZZZZZZZZ',
  '/v1/jobs/{id}': 'job_01HZZZZZZZZZZZZZZZZZZZZZZZ',
  '/v1/connectors/{key}': 'http',
  '/hooks/{hookId}': 'h'.repeat(24),
};

function concrete(path: string): string {
  const prefix = Object.keys(SAMPLE_PARAMS).find((p) => path.startsWith(p));
  return prefix ? path.replace(/\{[^}]+\}/, SAMPLE_PARAMS[prefix]) : path;
}

/**
 * Other spellings of one path, as an attacker would try them against a guard that matches the
 * raw path: case, slashes, dot segments, percent-encoding, parameters, absolute form.
 */
function spellings(path: string, host: string): string[] {
  const [, first, ...rest] = path.split('/');
  const tail = rest.join('/');
  const encodeAll = (s: string) => [...s].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
  return [
    `/${first.toUpperCase()}/${tail}`,
    path.toUpperCase(),
    `/${first}/${tail.charAt(0).toUpperCase()}${tail.slice(1)}`,
    `${path}/`,
    `/${path}`,
    `/${first}//${tail}`,
    `${path}//`,
    `/%${first.charCodeAt(0).toString(16)}${first.slice(1)}/${tail}`,
    `/${encodeAll(first)}/${tail}`,
    `/${encodeAll(first).toUpperCase()}/${encodeAll(tail)}`,
    `/${first}%2f${tail}`,
    `/${first}%2F${tail}`,
    `/%2F${first}/${tail}`,
    `/x/../${first}/${tail}`,
    `/./${first}/${tail}`,
    `/${first}/./${tail}`,
    `${path}/.`,
    `${path}/x/..`,
    `/${first}/%2e/${tail}`,
    `/x/%2e%2e/${first}/${tail}`,
    `${path};`,
    `${path};x=1`,
    `${path}%00`,
    `${path}%20`,
    `${path}%09`,
    `/${first}\\${tail}`,
    `${path}?`,
    `${path}#`,
    `http://${host}/${first.toUpperCase()}/${tail}`,
    `http://${host}//${first}/${tail}`,
  ];
}

async function count(db: Client, sql: string): Promise<number> {
  const result = await db.query<{ n: string }>(sql);
  return Number(result.rows[0].n);
}

function neverServed(reply: RawReply, what: string): void {
  // 401 from the guard, 404 from the exact router, 400 for a target Express cannot decode
  expect({ what, status: reply.status, allowed: [400, 401, 404].includes(reply.status) }).toEqual({ what, status: reply.status, allowed: true });
  expect(reply.body).not.toMatch(/jn_[A-Za-z0-9]/);
}

describe('edge authentication is deny by default, whatever the spelling (issue #10 class 1)', () => {
  const cluster = new Cluster();
  let db: Client;
  let builderKey = '';
  let host = '';

  beforeAll(async () => {
    await cluster.start(['gateway', 'auth']);
    host = new URL(cluster.gatewayUrl).host;
    db = new Client({ connectionString: databaseUrl(TEST_SERVERS.postgres, `${cluster.namespace}_auth`) });
    await db.connect();
    const builder = await cluster.call<{ key: string }>('POST', '/v1/api-keys', { name: 'builder', role: 'builder' });
    expect(builder.status).toBe(201);
    builderKey = builder.body.key;
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await cluster.stop();
  }, 60_000);

  it('answers 401 without a token on every operation of the API that is not deliberately public', async () => {
    const doc = (await (await fetch(`${cluster.gatewayUrl}/docs/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => ({ method: method.toUpperCase(), path })));
    expect(operations.length).toBeGreaterThan(25);
    const unexpected: string[] = [];
    for (const { method, path } of operations) {
      if (PUBLIC_OPERATIONS.has(`${method} ${path}`)) continue;
      const target = concrete(path);
      for (const authorization of [undefined, 'Bearer jn_not_a_key', 'Bearer a.b.c', 'Basic YWRtaW46YWRtaW4=']) {
        const reply = await rawRequest(cluster.gatewayUrl, { method, target, headers: authorization ? { authorization } : {} });
        if (reply.status !== 401) unexpected.push(`${method} ${target} (${authorization ?? 'no token'}) → ${reply.status}`);
      }
    }
    expect(unexpected).toEqual([]);
  });

  it('never creates a workspace or starts a vault re-wrap through another spelling of the root routes', async () => {
    const workspacesBefore = await count(db, 'SELECT count(*) AS n FROM workspaces');
    const body = JSON.stringify({ name: 'spelled-around-the-guard' });
    for (const path of ['/v1/workspaces', '/v1/vault/rotate']) {
      for (const target of spellings(path, host)) {
        for (const authorization of [undefined, `Bearer ${cluster.apiKey}`]) {
          const reply = await rawRequest(cluster.gatewayUrl, {
            method: 'POST',
            target,
            headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
            body,
          });
          neverServed(reply, `POST ${target} ${authorization ? 'admin key' : 'no token'}`);
        }
      }
    }
    expect(await count(db, 'SELECT count(*) AS n FROM workspaces')).toBe(workspacesBefore);
    expect(await count(db, "SELECT count(*) AS n FROM workspaces WHERE name = 'spelled-around-the-guard'")).toBe(0);
    const auth = cluster.services.get('auth');
    expect(auth?.output.filter((line) => line.includes('vault rotation'))).toEqual([]);
  });

  it('serves no protected read to another spelling of its path without a token', async () => {
    const keysBefore = await count(db, 'SELECT count(*) AS n FROM api_keys');
    for (const path of ['/v1/api-keys', '/v1/connections', '/v1/audit', '/v1/jobs', '/v1/recipes', '/v1/users']) {
      for (const target of spellings(path, host)) {
        for (const method of ['GET', 'HEAD', 'OPTIONS', 'POST', 'DELETE']) {
          neverServed(await rawRequest(cluster.gatewayUrl, { method, target }), `${method} ${target}`);
        }
      }
    }
    expect(await count(db, 'SELECT count(*) AS n FROM api_keys')).toBe(keysBefore);
  });

  it('routes only the exact spelling: the admin key gets 404 for the others, 200 for the route', async () => {
    expect((await rawRequest(cluster.gatewayUrl, { method: 'GET', target: '/v1/api-keys', headers: { authorization: `Bearer ${cluster.apiKey}` } })).status).toBe(200);
    for (const target of ['/V1/api-keys', '/v1/API-KEYS', '/v1/api-keys/', '//v1/api-keys', '/v1//api-keys', '/%761/api-keys']) {
      const reply = await rawRequest(cluster.gatewayUrl, { method: 'GET', target, headers: { authorization: `Bearer ${cluster.apiKey}` } });
      expect({ target, status: reply.status }).toEqual({ target, status: 404 });
    }
  });

  it('holds HEAD and OPTIONS to the role table of GET: a builder gets 403 on the audit log', async () => {
    const as = (key: string, method: string, target: string) => rawRequest(cluster.gatewayUrl, { method, target, headers: { authorization: `Bearer ${key}` } });
    for (const target of ['/v1/audit', '/v1/audit/verify', '/v1/audit/export', '/v1/api-keys']) {
      expect({ target, status: (await as(builderKey, 'GET', target)).status }).toEqual({ target, status: 403 });
      expect({ target, status: (await as(builderKey, 'HEAD', target)).status }).toEqual({ target, status: 403 });
      // no route answers OPTIONS (no CORS here): never a 2xx, never an Allow list for a role that may not read
      const options = await as(builderKey, 'OPTIONS', target);
      expect({ target, status: options.status }).toEqual({ target, status: 404 });
      expect(options.headers['allow']).toBeUndefined();
    }
    // HEAD is checked as GET, not refused outright: a reader may HEAD what it may GET
    expect((await as(builderKey, 'HEAD', '/v1/connections')).status).toBe(200);
    expect((await as(cluster.apiKey, 'HEAD', '/v1/api-keys')).status).toBe(200);
  });

  it('keeps the root-token routes closed to API keys, and the public routes open', async () => {
    for (const key of [cluster.apiKey, builderKey]) {
      const reply = await cluster.call('POST', '/v1/workspaces', { name: 'not-with-an-api-key' }, key);
      expect(reply.status).toBe(401);
      expect((await cluster.call('POST', '/v1/vault/rotate', undefined, key)).status).toBe(401);
    }
    for (const target of ['/health/live', '/health/ready', '/.well-known/jwks.json', '/docs/openapi.json']) {
      expect({ target, status: (await rawRequest(cluster.gatewayUrl, { method: 'GET', target })).status }).toEqual({ target, status: 200 });
    }
    // metrics are served on the internal METRICS_PORT only, never on the public port
    expect((await rawRequest(cluster.gatewayUrl, { method: 'GET', target: '/metrics' })).status).toBe(404);
  });
});
