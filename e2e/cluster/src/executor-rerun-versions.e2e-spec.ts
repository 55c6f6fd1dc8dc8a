import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { waitFor } from '@junction/shared/testing';
import { ExecutorCluster, postTo } from './executor-harness';
import { ExecutorApi, type Answer } from './executor-api-harness';

/** Reruns through the gateway: on the version that ran unless the latest is asked for, and the answer says which and what was kept. */
describe('reruns say which version', () => {
  const cluster = new ExecutorCluster(new FakeThirdParty());
  const api = new ExecutorApi(cluster);
  let key: string;

  const call = (method: string, path: string, body?: unknown): Promise<Answer> => api.call(key, method, path, body);
  const job = async (id: string) => (await call('GET', `/v1/jobs/${id}`)).body;
  const ended = async (id: string, status: string) => {
    await waitFor(async () => ['succeeded', 'failed'].includes((await job(id)).status as string), 20_000, 100);
    expect((await job(id)).status).toBe(status);
  };
  /** A manual run that fails at step two; its job id. */
  const failedRun = async (recipeId: string): Promise<string> => {
    const run = await call('POST', `/v1/recipes/${recipeId}/runs?wait=true&timeoutMs=20000`, {});
    expect(run.body).toMatchObject({ status: 'failed', error: { stepId: 'two' } });
    return run.body.jobId as string;
  };

  beforeAll(async () => {
    await api.start();
    key = await api.workspaceKey('reruns');
  }, 120_000);

  afterAll(() => api.close(), 60_000);

  it('reruns on v1 by default (fails again), on latest keeps step one and succeeds; bulk reruns state their version; an incompatible latest is a 409 with the reason', async () => {
    cluster.sink.on('POST', '/one', { status: 200, json: { token: 'from-one' } });
    cluster.sink.on('POST', '/two', { status: 400, json: { error: 'bad field' } });
    cluster.sink.on('POST', '/two-fixed', { status: 200, json: { ok: true } });
    const v1 = {
      name: 'two steps',
      trigger: { type: 'manual' },
      steps: [
        { id: 'one', ...postTo(cluster.sink.url, '/one', { n: 1 }) },
        { id: 'two', ...postTo(cluster.sink.url, '/two', { token: '{{ steps.one.body.token }}' }) },
      ],
    };
    const created = await call('POST', '/v1/recipes', v1);
    const recipeId = created.body.id as string;
    expect((await call('POST', `/v1/recipes/${recipeId}/start`)).status).toBe(200);
    const a = await failedRun(recipeId);
    expect(await job(a)).toMatchObject({ recipeVersion: 1 });

    // v2 edits step two; the recipe keeps running v1 (not restarted): new runs are v1's
    const v2 = { ...v1, steps: [v1.steps[0], { id: 'two', ...postTo(cluster.sink.url, '/two-fixed', { token: '{{ steps.one.body.token }}' }) }] };
    expect((await call('PUT', `/v1/recipes/${recipeId}`, v2)).body).toMatchObject({ version: 2 });

    const again = await call('POST', `/v1/jobs/${a}/rerun`);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: a, recipeVersion: 1, rerun: { basis: 'ran', fromVersion: 1, version: 1, kept: ['one'], again: ['two'], dropped: [] } });
    await ended(a, 'failed');
    expect(cluster.sink.requestsTo('/two')).toHaveLength(2);
    expect(cluster.sink.requestsTo('/two-fixed')).toHaveLength(0);

    const latest = await call('POST', `/v1/jobs/${a}/rerun`, { version: 'latest' });
    expect(latest.status).toBe(200);
    expect(latest.body).toMatchObject({ id: a, recipeVersion: 2, rerun: { basis: 'latest', fromVersion: 1, version: 2, kept: ['one'], again: ['two'], dropped: [] } });
    await ended(a, 'succeeded');
    expect(cluster.sink.requestsTo('/one')).toHaveLength(1); // step one's output was kept, not recomputed
    const fixed = cluster.sink.requestsTo('/two-fixed');
    expect(fixed).toHaveLength(1);
    expect(fixed[0].json).toEqual({ token: 'from-one' });
    const view = await job(a);
    expect(view).toMatchObject({ recipeVersion: 2, status: 'succeeded' });
    expect(view.reruns).toEqual([
      expect.objectContaining({ basis: 'ran', fromVersion: 1, version: 1 }),
      expect.objectContaining({ basis: 'latest', fromVersion: 1, version: 2, kept: ['one'] }),
    ]);

    // bulk: the failed jobs of the recipe, each answered with its version and what it kept
    const [b, c] = [await failedRun(recipeId), await failedRun(recipeId)];
    const first = await call('POST', '/v1/jobs/rerun', { recipeId, status: 'failed', version: 'latest', limit: 1 });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ version: 'latest', items: [{ id: c, rerun: { basis: 'latest', fromVersion: 1, version: 2, kept: ['one'] } }], nextCursor: c });
    const rest = await call('POST', '/v1/jobs/rerun', { recipeId, version: 'latest', cursor: first.body.nextCursor });
    expect(rest.body).toEqual({ version: 'latest', items: [{ id: b, rerun: expect.objectContaining({ version: 2, kept: ['one'] }) }] });
    await Promise.all([ended(b, 'succeeded'), ended(c, 'succeeded')]);
    expect(cluster.sink.requestsTo('/one')).toHaveLength(3);

    // v3 changes the trigger type: the latest cannot continue a manual run
    const d = await failedRun(recipeId);
    expect((await call('PUT', `/v1/recipes/${recipeId}`, { ...v2, trigger: { type: 'webhook' } })).body).toMatchObject({ version: 3 });
    const refused = await call('POST', `/v1/jobs/${d}/rerun`, { version: 'latest' });
    expect(refused.status).toBe(409);
    expect(JSON.stringify(refused.body)).toMatch(/trigger type changed from manual to webhook in version 3/);
    const bulk = await call('POST', '/v1/jobs/rerun', { recipeId, version: 'latest' });
    expect(bulk.body).toMatchObject({ version: 'latest', items: [{ id: d, error: { code: 'conflict', message: expect.stringMatching(/trigger type changed/) } }] });
    expect(await job(d)).toMatchObject({ status: 'failed', recipeVersion: 1 });
    // the version it ran still works
    expect((await call('POST', `/v1/jobs/${d}/rerun`, { version: 'ran' })).body).toMatchObject({ rerun: { basis: 'ran', version: 1 } });
    await ended(d, 'failed');

    for (const body of [{ version: 'newest' }, { version: 2 }, { recipeId }]) expect((await call('POST', `/v1/jobs/${d}/rerun`, body)).status).toBe(400);
    for (const body of [{}, { recipeId, status: 'succeeded' }, { recipeId, limit: 51 }, { recipeId: 'rcp_x' }])
      expect((await call('POST', '/v1/jobs/rerun', body)).status).toBe(400);
  }, 120_000);
});
