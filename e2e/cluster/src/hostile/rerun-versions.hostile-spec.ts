import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { waitFor } from '@junction/shared/testing';
import { ExecutorCluster, postTo } from '../executor-harness';
import { ExecutorApi } from '../executor-api-harness';

/**
 * Reruns as an attacker would try them: another workspace's job or recipe (by id, or swept up by a
 * bulk rerun), and bodies built to slip past the version choice. Nothing of the other workspace
 * moves; every bad body is a 400 naming the field, never a 5xx.
 */
describe('hostile: reruns across workspaces and with crafted bodies', () => {
  const cluster = new ExecutorCluster(new FakeThirdParty());
  const api = new ExecutorApi(cluster);
  let keyA: string;
  let keyB: string;

  const call = api.call;

  beforeAll(async () => {
    await api.start();
    [keyA, keyB] = [await api.workspaceKey('a'), await api.workspaceKey('b')];
  }, 120_000);

  afterAll(() => api.close(), 60_000);

  it("another workspace cannot rerun A's failed job, by id or in bulk; crafted bodies are 400s", async () => {
    cluster.sink.on('POST', '/fails', { status: 400, json: { error: 'no' } });
    const created = await call(keyA, 'POST', '/v1/recipes', { name: 'fails', trigger: { type: 'manual' }, steps: [{ id: 'two', ...postTo(cluster.sink.url, '/fails', {}) }] });
    const recipeId = created.body.id as string;
    await call(keyA, 'POST', `/v1/recipes/${recipeId}/start`);
    const run = await call(keyA, 'POST', `/v1/recipes/${recipeId}/runs?wait=true&timeoutMs=20000`, {});
    expect(run.body).toMatchObject({ status: 'failed' });
    const jobId = run.body.jobId as string;
    const revision = async () => (await cluster.db.query(`SELECT revision FROM jobs WHERE id = $1`, [jobId])).rows[0].revision as number;
    const before = await revision();

    for (const version of [undefined, 'latest', 'ran']) {
      expect((await call(keyB, 'POST', `/v1/jobs/${jobId}/rerun`, version ? { version } : undefined)).status).toBe(404);
    }
    const bulk = await call(keyB, 'POST', '/v1/jobs/rerun', { recipeId, version: 'latest' });
    expect(bulk).toEqual({ status: 200, body: { version: 'latest', items: [] } });
    expect(await revision()).toBe(before);

    const crafted: [string, unknown][] = [
      [`/v1/jobs/${jobId}/rerun`, { version: '__proto__' }],
      [`/v1/jobs/${jobId}/rerun`, { version: ['latest'] }],
      [`/v1/jobs/${jobId}/rerun`, { version: 'latest', workspaceId: 'ws_other' }],
      [`/v1/jobs/${jobId}/rerun`, { version: 'latest', id: 'job_01ARZ3NDEKTSV4RRFFQ69G5FAV' }],
      [`/v1/jobs/${jobId}/rerun`, '[1,2]'],
      ['/v1/jobs/rerun', { recipeId, workspaceId: 'ws_other' }],
      ['/v1/jobs/rerun', { recipeId, actor: { type: 'service', id: 'executor' } }],
      ['/v1/jobs/rerun', { recipeId, limit: '10' }],
      ['/v1/jobs/rerun', { recipeId, since: 'yesterday' }],
      ['/v1/jobs/rerun', { recipeId, cursor: 'x'.repeat(10_000) }],
      ['/v1/jobs/rerun', { recipeId: { $ne: null } }],
      ['/v1/jobs/rerun', 'null'],
    ];
    for (const [path, body] of crafted) {
      const res = await call(keyA, 'POST', path, body);
      expect([path, body, res.status]).toEqual([path, body, 400]);
    }
    expect(await revision()).toBe(before);

    // the owner still can
    expect((await call(keyA, 'POST', `/v1/jobs/${jobId}/rerun`)).body).toMatchObject({ rerun: { basis: 'ran', version: 1 } });
    await waitFor(async () => (await call(keyA, 'GET', `/v1/jobs/${jobId}`)).body.status === 'failed', 20_000, 100);
  }, 60_000);
});
