import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@junction/shared/testing';
import { Cluster } from '../cluster-harness';

interface Job {
  status: string;
  steps: { error?: { message?: string } }[];
}

/**
 * Standalone mode keeps everything on one machine: its embedded Postgres listens on loopback. A
 * user who allow-lists all of 127.0.0.1 (the careless quickstart) must still not let a recipe
 * reach that database or the API's own port, by HTTP or by the postgres connector — even an
 * attacker who somehow holds the database password.
 */
describe('standalone: the embedded database stays out of recipes’ reach', () => {
  const cluster = Cluster.inMode('standalone', undefined, { JUNCTION_HTTP_ALLOW: '127.0.0.1' });
  let pgPort = 0;
  let pgPassword = '';

  async function run(name: string, step: Record<string, unknown>): Promise<Job> {
    const recipe = await cluster.call<{ id: string }>('POST', '/v1/recipes', { name, trigger: { type: 'manual' }, steps: [{ id: 'call', ...step }] });
    expect(recipe.status).toBe(201);
    const ran = await cluster.call<{ jobId: string }>('POST', `/v1/recipes/${recipe.body.id}/runs?wait=true&timeoutMs=30000`, {});
    return waitFor(async () => {
      const job = await cluster.call<Job>('GET', `/v1/jobs/${ran.body.jobId}`);
      return ['succeeded', 'failed', 'cancelled'].includes(job.body.status) ? job.body : undefined;
    }, 30_000);
  }

  beforeAll(async () => {
    await cluster.start([]);
    // postmaster.pid: pid, data dir, start time, port, …
    pgPort = Number(readFileSync(join(cluster.dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[3]);
    pgPassword = readFileSync(join(cluster.dataDir, 'pg-password'), 'utf8').trim();
  }, 120_000);

  afterAll(() => cluster.stop(), 60_000);

  it('http.request to the embedded Postgres or the API port fails the step as an own listener', async () => {
    expect(pgPort).toBeGreaterThan(0);
    const apiPort = new URL(cluster.gatewayUrl).port;
    for (const [url, source] of [
      [`http://127.0.0.1:${pgPort}/`, 'DATABASE_URL'],
      [`http://localhost:${pgPort}/`, 'DATABASE_URL'],
      [`http://127.0.0.1:${apiPort}/v1/workspaces`, 'PORT'],
    ]) {
      const job = await run(`to ${url}`, { action: 'http.request', input: { method: 'POST', url, text: 'x' } });
      expect({ url, status: job.status }).toEqual({ url, status: 'failed' });
      expect(job.steps[0].error?.message).toMatch(new RegExp(`own listeners \\(${source}\\)|refused`));
    }
  });

  it('the postgres connector with the real password is refused before it connects', async () => {
    const created = await cluster.call<{ id: string }>('POST', '/v1/connections', {
      name: 'embedded db',
      connector: 'postgres',
      credentials: { connectionString: `postgres://postgres:${encodeURIComponent(pgPassword)}@127.0.0.1:${pgPort}/junction_auth` },
    });
    expect(created.status).toBe(201);
    const job = await run('read the vault', { action: 'postgres.query', connection: created.body.id, input: { sql: 'SELECT * FROM connections' } });
    expect(job.status).toBe('failed');
    expect(job.steps[0].error?.message).toMatch(/own listeners \(DATABASE_URL\)/);
  });
});
