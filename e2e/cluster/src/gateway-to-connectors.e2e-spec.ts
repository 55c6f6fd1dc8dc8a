import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import { dropDatabase } from '@junction/platform/database';
import { TEST_SERVERS, dropNatsNamespace, startServiceProcess, uniqueNamespace, type ServiceProcess } from '@junction/shared/testing';

/**
 * The first cross-service path, with both services as real processes over real NATS:
 * gateway HTTP → NATS request/reply → connectors service → back.
 */
describe('gateway → connectors over NATS', () => {
  const namespace = uniqueNamespace('e2e_rr');
  const env = {
    JUNCTION_NAMESPACE: namespace,
    NATS_URL: TEST_SERVERS.nats,
    REDIS_URL: TEST_SERVERS.redis,
    DATABASE_URL: TEST_SERVERS.postgres,
  };
  const rootToken = randomBytes(32).toString('base64url');
  let gateway: ServiceProcess;
  let connectors: ServiceProcess | undefined;
  let auth: ServiceProcess;
  let nc: NatsConnection;
  // every /v1 route needs an API key: the test's workspace gets one from the root token
  let headers: Record<string, string>;

  beforeAll(async () => {
    [gateway, connectors, auth] = await Promise.all([
      startServiceProcess('gateway', { ...env, JUNCTION_ROOT_TOKEN: rootToken }),
      startServiceProcess('connectors', env),
      startServiceProcess('auth', env),
    ]);
    nc = await connect({ servers: TEST_SERVERS.nats });
    const created = await fetch(`${gateway.url}/v1/workspaces`, {
      method: 'POST',
      headers: { authorization: `Bearer ${rootToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'e2e' }),
    });
    headers = { authorization: `Bearer ${((await created.json()) as { apiKey: { key: string } }).apiKey.key}` };
  }, 60_000);

  afterAll(async () => {
    await Promise.all([gateway?.stop(), connectors?.stop(), auth?.stop()]);
    await nc?.drain();
    await dropNatsNamespace(TEST_SERVERS.nats, namespace);
    await dropDatabase(TEST_SERVERS.postgres, `${namespace}_connectors`);
    await dropDatabase(TEST_SERVERS.postgres, `${namespace}_auth`);
  }, 60_000);

  it('answers GET /v1/connectors from the connectors service', async () => {
    const res = await fetch(`${gateway.url}/v1/connectors`, { headers });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: { key: string; actions: { key: string; inputSchema: { type?: string } }[]; triggers: { key: string }[] }[] };
    // every built-in connector, with its schemas
    expect(body.items.map((c) => c.key)).toEqual(['github', 'http', 'postgres', 'schedule', 'slack', 'standard-webhooks', 'stripe', 'webhook']);
    const http = body.items.find((c) => c.key === 'http');
    expect(http?.actions.map((a) => a.key)).toEqual(['request', 'paginate']);
    expect(http?.actions[0].inputSchema.type).toBe('object');
    expect(body.items.find((c) => c.key === 'github')?.triggers.map((t) => t.key)).toEqual(['webhook_event']);
    // the connectors service really handled it: its handler metric counted the request
    const metrics = await (await fetch(connectors?.metricsUrl ?? '')).text();
    expect(metrics).toMatch(/junction_bus_handler_duration_seconds_count\{[^}]*subject="connectors.list.v1",outcome="ok"\} [1-9]/);
  });

  it('registers a custom connector for this workspace only, with 400 + paths for a bad definition', async () => {
    const definition = {
      key: 'acme',
      displayName: 'Acme',
      baseUrl: 'https://api.acme.test',
      auth: { kind: 'bearer' },
      actions: [{ key: 'get_order', displayName: 'Get order', method: 'GET', path: '/orders/{{ input.id }}' }],
    };
    const created = await fetch(`${gateway.url}/v1/connectors`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(definition) });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ key: 'acme', version: '1.0.0' });
    const listed = (await (await fetch(`${gateway.url}/v1/connectors`, { headers })).json()) as { items: { key: string }[] };
    expect(listed.items.map((c) => c.key)).toContain('acme');
    const bad = await fetch(`${gateway.url}/v1/connectors`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ ...definition, baseUrl: 'ftp://x' }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain('/baseUrl');
  });

  it('carries the caller trace id through to the problem document', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await fetch(`${gateway.url}/v1/connectors/no_such_connector`, { headers: { ...headers, traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: 404, type: 'https://junction.dev/problems/not-found', traceId });
  });

  it('rejects a malformed connector key with a 400 problem naming the field', async () => {
    const res = await fetch(`${gateway.url}/v1/connectors/Not%20A%20Key`, { headers });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path)).toEqual(['key']);
  });

  it('serves the OpenAPI 3.1 document and its viewer', async () => {
    const doc = (await (await fetch(`${gateway.url}/docs/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/connectors', '/v1/connectors/{key}', '/hooks/{hookId}']));
    const viewer = await fetch(`${gateway.url}/docs`);
    expect(viewer.status).toBe(200);
    expect(await viewer.text()).toContain('swagger');
  });

  it('answers 503 with Retry-After when the service behind does not answer within its deadline', async () => {
    // a responder that takes the request and never answers: a hung connectors replica
    const hung = nc.subscribe(`${namespace}.connectors.list.v1`, { queue: `${namespace}.connectors.list.v1`, callback: () => undefined });
    await nc.flush();
    await connectors?.stop();
    connectors = undefined;
    const started = Date.now();
    const res = await fetch(`${gateway.url}/v1/connectors`, { headers });
    const elapsed = Date.now() - started;
    hung.unsubscribe();
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as { detail: string }).detail).toMatch(/did not answer in time/);
    expect(elapsed).toBeGreaterThanOrEqual(2900); // the contract's 3 s deadline
    expect(elapsed).toBeLessThan(6000);
  });

  it('answers 503 at once when no connectors service runs', async () => {
    const started = Date.now();
    const res = await fetch(`${gateway.url}/v1/connectors`, { headers });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/not running/);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
