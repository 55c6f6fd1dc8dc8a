import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { TEST_SERVERS, TcpCanary, startServiceProcess, uniqueNamespace, waitFor } from '@junction/shared/testing';
import { Cluster } from '../cluster-harness';

interface Job {
  status: string;
  steps: { status: string; error?: { message?: string; kind?: string } }[];
}

/**
 * Hostile tier, classes 2, 5 and the fence items of 7, through the running services: a
 * workspace aims every outbound channel — `http.request`, the postgres connector, an OAuth
 * token URL — at loopback canaries (TCP servers that record any connection) and at the
 * platform's own Postgres, NATS and Redis. The cluster allow-lists 127.0.0.1 as the local test
 * setups do, so the platform's own ports are refused by the own-listener rule, not by luck;
 * the canaries sit on 127.0.0.2 and ::1, outside the allow-list, and must see nothing.
 */
describe('outbound fence (hostile)', () => {
  const cluster = new Cluster(uniqueNamespace('hx_fence'), { JUNCTION_HTTP_ALLOW: '127.0.0.1' });
  const home = new FakeThirdParty();
  let canary: TcpCanary;
  let canary6: TcpCanary;
  const own = {
    postgres: new URL(TEST_SERVERS.postgres),
    nats: new URL(TEST_SERVERS.nats.split(',')[0]),
    redis: new URL(TEST_SERVERS.redis),
  };

  async function connection(name: string, connector: string, credentials: Record<string, string>): Promise<string> {
    const created = await cluster.call<{ id: string }>('POST', '/v1/connections', { name, connector, credentials });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  /** Runs a one-step manual recipe to its end and answers the job. */
  async function run(name: string, step: Record<string, unknown>): Promise<Job> {
    const recipe = await cluster.call<{ id: string }>('POST', '/v1/recipes', { name, trigger: { type: 'manual' }, steps: [{ id: 'call', ...step }] });
    expect(recipe.status).toBe(201);
    const ran = await cluster.call<{ jobId: string }>('POST', `/v1/recipes/${recipe.body.id}/runs?wait=true&timeoutMs=30000`, {});
    expect(ran.status).toBe(200);
    return waitFor(
      async () => {
        const job = await cluster.call<Job>('GET', `/v1/jobs/${ran.body.jobId}`);
        return ['succeeded', 'failed', 'cancelled'].includes(job.body.status) ? job.body : undefined;
      },
      30_000,
      200,
    );
  }

  beforeAll(async () => {
    canary = await TcpCanary.start('127.0.0.2');
    canary6 = await TcpCanary.start('::1');
    await home.start();
    home.on('GET', '/ok', { json: { ok: true } });
    await cluster.start(['gateway', 'auth', 'connectors', 'executor']);
  }, 180_000);

  afterAll(async () => {
    await cluster.stop();
    await Promise.all([canary?.close(), canary6?.close(), home.close()]);
  }, 60_000);

  it('control: an allow-listed loopback server is reachable', async () => {
    const job = await run('home', { action: 'http.request', input: { method: 'GET', url: `${home.url}/ok` } });
    expect(job.status).toBe('succeeded');
  });

  it('http.request: every spelling of a non-allow-listed loopback address fails the step, and the canaries see nothing', async () => {
    const p = canary.port;
    const urls = [
      `http://127.0.0.2:${p}/`,
      `http://2130706434:${p}/`,
      `http://0x7f000002:${p}/`,
      `http://0177.0.0.2:${p}/`,
      `http://127.0.2:${p}/`,
      `http://[::ffff:127.0.0.2]:${p}/`,
      `http://[::ffff:7f00:2]:${p}/`,
      `http://[::127.0.0.2]:${p}/`,
      `http://[64:ff9b::7f00:2]:${p}/`,
      `http://[::1]:${canary6.port}/`,
      `http://[0:0:0:0:0:0:0:1]:${canary6.port}/`,
      `http://0.0.0.0:${p}/`,
      `http://[::]:${canary6.port}/`,
    ];
    for (const url of urls) {
      const job = await run(`to ${url}`, { action: 'http.request', input: { method: 'GET', url } });
      expect({ url, status: job.status }).toEqual({ url, status: 'failed' });
      expect(job.steps[0].error?.message).toMatch(/refused|not a public address|embeds|unspecified|NAT64/);
    }
    expect(canary.connections).toEqual([]);
    expect(canary6.connections).toEqual([]);
  });

  it('http.request: the platform’s own Postgres, NATS and Redis are refused although 127.0.0.1 is allow-listed', async () => {
    for (const target of [own.postgres, own.nats, own.redis]) {
      const url = `http://${target.hostname}:${target.port}/`;
      const job = await run(`own ${target.protocol}`, { action: 'http.request', input: { method: 'POST', url, text: 'FLUSHALL\r\n' } });
      expect(job.status).toBe('failed');
      expect(job.steps[0].error?.message).toMatch(/platform's own listeners \((DATABASE_URL|NATS_URL|REDIS_URL)\)/);
    }
  });

  it('postgres: host spellings, Unix sockets, host/hostaddr overrides and the platform’s own database are refused', async () => {
    const p = canary.port;
    const attempts: [string, RegExp][] = [
      [`postgres://u@127.0.0.2:${p}/db`, /refused by the outbound fence/],
      [`postgres://u@2130706434:${p}/db`, /refused by the outbound fence/],
      [`postgres://u@[::1]:${canary6.port}/db`, /refused by the outbound fence/],
      [`postgres://u@[::ffff:127.0.0.2]:${p}/db`, /refused by the outbound fence/],
      [`postgres://postgres@${own.postgres.hostname}:${own.postgres.port}/postgres`, /platform's own listeners \(DATABASE_URL\)/],
      // localhost may resolve to ::1 first (not allow-listed) or to 127.0.0.1 (the platform's own): refused either way
      [`postgres://postgres@localhost:${own.postgres.port}/postgres`, /refused/],
      [`postgres://postgres@x.test/postgres?host=/var/run/postgresql`, /option "host" is not allowed/],
      [`postgres://postgres@x.test/postgres?hostaddr=127.0.0.2`, /option "hostaddr" is not allowed/],
      [`postgres://postgres@%2Fvar%2Frun%2Fpostgresql/postgres`, /not a valid host name/],
      [`postgres:///postgres`, /host is required/],
    ];
    // names are unique in a workspace: one connection and recipe per attempt
    for (const [i, [connectionString, why]] of attempts.entries()) {
      const id = await connection(`pg ${i}`, 'postgres', { connectionString });
      const job = await run(`pg ${i}`, { action: 'postgres.query', connection: id, input: { sql: 'SELECT current_user' } });
      expect({ connectionString, status: job.status }).toEqual({ connectionString, status: 'failed' });
      expect(job.steps[0].error?.message).toMatch(why);
    }
    const fields = await connection('pg fields', 'postgres', { host: '/var/run/postgresql', user: 'postgres' });
    const byFields = await run('pg fields', { action: 'postgres.query', connection: fields, input: { sql: 'SELECT 1' } });
    expect(byFields.steps[0].error?.message).toMatch(/path or socket/);
    expect(canary.connections).toEqual([]);
    expect(canary6.connections).toEqual([]);
  });

  it('postgres: sslcert=/dev/zero fails the step at once, and the connectors service keeps serving', async () => {
    const started = Date.now();
    for (const option of ['sslcert', 'sslkey', 'sslrootcert']) {
      const id = await connection(`pg tls ${option}`, 'postgres', { connectionString: `postgres://u@127.0.0.2:${canary.port}/db?sslmode=require&${option}=/dev/zero` });
      const job = await run(`pg tls ${option}`, { action: 'postgres.query', connection: id, input: { sql: 'SELECT 1' } });
      expect(job.status).toBe('failed');
      expect(job.steps[0].error?.message).toMatch(new RegExp(`option "${option}" is not allowed`));
    }
    expect(Date.now() - started).toBeLessThan(20_000);
    const after = await run('still alive', { action: 'http.request', input: { method: 'GET', url: `${home.url}/ok` } });
    expect(after.status).toBe('succeeded');
    expect(canary.connections).toEqual([]);
  });

  it('OAuth: a token URL at a canary, a loopback spelling or the platform’s own ports is refused with 422 when saved', async () => {
    const tokenUrls = [
      `http://127.0.0.2:${canary.port}/token`,
      `http://[::1]:${canary6.port}/token`,
      `http://[::ffff:127.0.0.2]:${canary.port}/token`,
      `http://169.254.169.254/latest/meta-data/`,
      `http://10.0.0.1/token`,
      `http://${own.postgres.hostname}:${own.postgres.port}/token`,
      `http://localhost:${own.redis.port}/token`,
      `http://127.0.0.1:${own.nats.port}/token`,
    ];
    const save = (tokenUrl: string) =>
      cluster.call('POST', '/v1/connections', {
        name: 'oauth',
        connector: 'http',
        credentials: { clientId: 'c', clientSecret: 's' },
        oauth: { grant: 'client_credentials', tokenUrl },
      });
    for (const tokenUrl of tokenUrls) {
      const created = await save(tokenUrl);
      expect({ tokenUrl, status: created.status }).toEqual({ tokenUrl, status: 422 });
      expect(JSON.stringify(created.body)).toContain('oauth.tokenUrl');
    }
    // numeric host spellings do not even pass as URLs (400)
    expect((await save(`http://2130706434:${canary.port}/token`)).status).toBe(400);
    expect(canary.connections).toEqual([]);
    expect(canary6.connections).toEqual([]);
  });

  it('a malformed JUNCTION_HTTP_ALLOW stops the connectors and auth services at start, naming the entry', async () => {
    for (const service of ['connectors', 'auth']) {
      const failed = await startServiceProcess(service, { ...cluster.env(), JUNCTION_HTTP_ALLOW: '127.0.0.1,10.0.0.0/' }, 20_000).then(
        (s) => s.stop().then(() => 'started'),
        (e: Error) => e.message,
      );
      expect(failed).toMatch(/exited with 1/);
      expect(failed).toMatch(/JUNCTION_HTTP_ALLOW: entry "10\.0\.0\.0\/" has a prefix length "" that is not 1-32/);
    }
  });
});
