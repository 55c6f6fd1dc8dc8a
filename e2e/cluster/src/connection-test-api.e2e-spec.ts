import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { ACME_GOOD_TOKEN, acmeConnector, serveAcme } from './acme-connector';
import { Cluster, RUN_MODES, type RunMode } from './cluster-harness';

const GOOD_TOKEN = ACME_GOOD_TOKEN;
const BAD_TOKEN = 'tok_conn_test_bad_8d2f4b';

interface TestAnswer {
  ok: boolean;
  detail?: string;
}
interface Problem {
  detail?: string;
  errors?: { path: string; message: string }[];
}

/** POST /v1/connections/:id/test and the credential schemas of custom connections (issue #14). */
describe.each(RUN_MODES)('connection test and custom credential schemas (%s)', (mode: RunMode) => {
  const cluster = Cluster.inMode(mode);
  const acme = new FakeThirdParty();
  const connection = async (name: string, connector: string, credentials: Record<string, string>): Promise<string> => {
    const made = await cluster.call<{ id: string }>('POST', '/v1/connections', { name, connector, credentials });
    expect(made.status).toBe(201);
    return made.body.id;
  };

  beforeAll(async () => {
    await acme.start();
    serveAcme(acme);
    await cluster.start(['gateway', 'auth', 'connectors', 'audit']);
    const registered = await cluster.call('POST', '/v1/connectors', acmeConnector(acme.url));
    expect(registered.status).toBe(201);
  }, 180_000);

  afterAll(async () => {
    await cluster.stop();
    await acme.close();
  }, 60_000);

  it('publishes whether a connector can test a connection, and a custom kind’s credential schema with its secrets write-only', async () => {
    const own = await cluster.call<{ testable?: boolean }>('GET', '/v1/connectors/acme-e2e');
    expect(own.body.testable).toBe(true);
    const postgres = await cluster.call<{ testable?: boolean; customCredentialsSchema?: { properties: Record<string, { writeOnly?: boolean }> } }>(
      'GET',
      '/v1/connectors/postgres',
    );
    expect(postgres.body.testable).toBe(true);
    expect(postgres.body.customCredentialsSchema?.properties['password'].writeOnly).toBe(true);
    expect(postgres.body.customCredentialsSchema?.properties['host'].writeOnly).toBeUndefined();
    const webhook = await cluster.call<{ testable?: boolean; customCredentialsSchema?: { properties: Record<string, { writeOnly?: boolean }> } }>('GET', '/v1/connectors/webhook');
    expect(webhook.body).toMatchObject({ testable: false, customCredentialsSchema: { properties: { signingSecret: { writeOnly: true } } } });
    const list = await cluster.call<{ items: { key: string; customCredentialsSchema?: unknown }[] }>('GET', '/v1/connectors');
    expect(list.body.items.find((c) => c.key === 'stripe')?.customCredentialsSchema).toBeUndefined();
  });

  it('answers ok for credentials the third party accepts and ok: false with why for ones it refuses (200 both), the secret scrubbed', async () => {
    const good = await connection('acme good', 'acme-e2e', { token: GOOD_TOKEN, allowedHosts: 'http://127.0.0.1' });
    const bad = await connection('acme bad', 'acme-e2e', { token: BAD_TOKEN });
    const passed = await cluster.call<TestAnswer>('POST', `/v1/connections/${good}/test`);
    expect(passed.status).toBe(200);
    expect(passed.body).toEqual({ ok: true, detail: 'Acme (e2e) accepted the credentials.' });
    const refused = await cluster.call<TestAnswer>('POST', `/v1/connections/${bad}/test`);
    expect(refused.status).toBe(200);
    expect(refused.body.ok).toBe(false);
    expect(refused.body.detail).toContain('refused the credentials');
    expect(refused.body.detail).toContain('HTTP 401');
    expect(refused.body.detail).toContain('invalid token');
    expect(JSON.stringify(refused.body)).not.toContain(BAD_TOKEN);
    expect(acme.requests.filter((r) => r.path === '/me').map((r) => r.headers['authorization'])).toEqual([`Bearer ${GOOD_TOKEN}`, `Bearer ${BAD_TOKEN}`]);
  });

  it('refuses a connector without a test (422), an unknown connection (404)', async () => {
    const plain = await connection('plain http', 'http', { kind: 'bearer', token: GOOD_TOKEN });
    const untestable = await cluster.call<Problem>('POST', `/v1/connections/${plain}/test`);
    expect(untestable.status).toBe(422);
    expect(untestable.headers.get('content-type')).toContain('application/problem+json');
    expect(untestable.body.detail).toContain('has no connection test');
    expect((await cluster.call('POST', '/v1/connections/conn_01J9Z5Q3X8M4ZK1T7N2B6C0D9E/test')).status).toBe(404);
  });

  it('checks custom credentials against the connector’s schema on create and update: 422 at the field, nothing written', async () => {
    const refused = await cluster.call<Problem>('POST', '/v1/connections', {
      name: 'pg wrong',
      connector: 'postgres',
      credentials: { host: 'db.example.test', port: 'not-a-port', password: 'pw_conn_test_3c7e', sslMod: 'require' },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.errors?.map((e) => e.path).sort()).toEqual(['credentials.port', 'credentials.sslMod']);
    expect(JSON.stringify(refused.body)).not.toContain('pw_conn_test_3c7e');
    const listed = await cluster.call<{ items: { name: string }[] }>('GET', '/v1/connections');
    expect(listed.body.items.map((c) => c.name)).not.toContain('pg wrong');

    const pg = await connection('pg right', 'postgres', { kind: 'custom', host: 'db.example.test', port: '5432', user: 'app', password: 'pw_conn_test_3c7e', database: 'app' });
    const patch = await cluster.call<Problem>('PATCH', `/v1/connections/${pg}`, { credentials: { host: 'db.example.test', port: '99999999' } });
    expect(patch.status).toBe(422);
    expect(patch.body.errors?.map((e) => e.path)).toEqual(['credentials.port']);
    // still the old credentials: they were not replaced
    expect((await cluster.call<{ secretFields: string[] }>('GET', `/v1/connections/${pg}`)).body.secretFields).toContain('password');

    // the connectors that already took custom fields keep working: a webhook's signing secret, no secret at all, http's own fields
    await connection('hook secret', 'webhook', { signingSecret: 'whsec-conn-test-0123456789' });
    await connection('hook open', 'webhook', {});
    await connection('http custom', 'http', { kind: 'custom', acme_key: 'k1' });
    const short = await cluster.call<Problem>('POST', '/v1/connections', { name: 'hook short', connector: 'webhook', credentials: { signingSecret: 'short' } });
    expect(short.status).toBe(422);
    expect(short.body.errors?.map((e) => e.path)).toEqual(['credentials.signingSecret']);
  });

  it('is in the OpenAPI document', async () => {
    const doc = await cluster.call<{ paths: Record<string, Record<string, unknown>> }>('GET', '/docs/openapi.json');
    expect(Object.keys(doc.body.paths['/v1/connections/{id}/test'] ?? {})).toEqual(['post']);
  });
});
