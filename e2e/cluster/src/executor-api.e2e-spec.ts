import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { ResolveTrigger } from '@junction/executor/contracts';
import { waitFor } from '@junction/shared/testing';
import { ExecutorCluster } from './executor-harness';
import { ExecutorApi } from './executor-api-harness';

const RECIPE = {
  name: 'hook to nowhere',
  trigger: { type: 'webhook' },
  steps: [{ id: 'map', set: { x: '{{ trigger.body.x }}' } }],
};

/** `/v1/recipes` and `/v1/jobs` through the gateway: validation, versions, start/stop, tenant walls. */
describe('executor API through the gateway', () => {
  const cluster = new ExecutorCluster(new FakeThirdParty());
  const api = new ExecutorApi(cluster);
  let keyA: string;
  let keyB: string;

  const call = api.call;
  const recipeRows = () => cluster.count(`SELECT count(*) AS n FROM recipe_versions`);

  beforeAll(async () => {
    await api.start();
    [keyA, keyB] = [await api.workspaceKey('a'), await api.workspaceKey('b')];
  }, 120_000);

  afterAll(() => api.close(), 60_000);

  it('answers 422 listing every error by JSON path for an invalid recipe, and writes nothing', async () => {
    const before = await recipeRows();
    const res = await call(keyA, 'POST', '/v1/recipes', {
      name: 'bad',
      trigger: { type: 'webhook' },
      steps: [
        { id: 'a', set: { x: '{{ $nope( }}' } },
        { id: 'a', action: 'http.request', input: { url: '{{ steps.later.x }}' } },
        { id: 'later', delay: 'soon' },
      ],
      settings: { concurrency: 0 },
    });
    expect(res.status).toBe(422);
    const paths = (res.body.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/steps/0/set/x', '/steps/1/id', '/steps/1/input/url', '/settings/concurrency']));
    expect(await recipeRows()).toBe(before);

    for (const body of ['[1,2]', '{"name":', 'null']) {
      const bad = await call(keyA, 'POST', '/v1/recipes', body);
      expect(bad.status).toBeGreaterThanOrEqual(400);
      expect(bad.status).toBeLessThan(500);
    }
    expect(await recipeRows()).toBe(before);
  });

  it('creates, versions, lists, starts with a webhook URL, resolves, stops and deletes a recipe', async () => {
    const created = await call(keyA, 'POST', '/v1/recipes', RECIPE);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: RECIPE.name, version: 1, state: 'stopped' });
    const id = created.body.id as string;
    expect(created.body.webhookUrl).toBeUndefined();

    const updated = await call(keyA, 'PUT', `/v1/recipes/${id}`, { ...RECIPE, name: 'renamed' });
    expect(updated.body).toMatchObject({ version: 2, name: 'renamed' });
    const invalidPut = await call(keyA, 'PUT', `/v1/recipes/${id}`, { ...RECIPE, steps: [] });
    expect(invalidPut.status).toBe(422);
    expect((await call(keyA, 'GET', `/v1/recipes/${id}`)).body).toMatchObject({ version: 2, name: 'renamed' });
    const versions = (await cluster.db.query(`SELECT version, definition->>'name' AS name FROM recipe_versions WHERE recipe_id = $1 ORDER BY version`, [id])).rows;
    expect(versions).toEqual([
      { version: 1, name: RECIPE.name },
      { version: 2, name: 'renamed' },
    ]);

    const started = await call(keyA, 'POST', `/v1/recipes/${id}/start`);
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ state: 'running', activeVersion: 2 });
    const webhookUrl = started.body.webhookUrl as string;
    expect(webhookUrl).toMatch(/^\/hooks\/[A-Za-z0-9_-]{32}$/);
    // a restart keeps the URL
    expect((await call(keyA, 'POST', `/v1/recipes/${id}/start`)).body.webhookUrl).toBe(webhookUrl);
    const target = await cluster.bus.request(ResolveTrigger, { hookId: webhookUrl.slice('/hooks/'.length) });
    expect(target).toMatchObject({ recipeId: id, recipeVersion: 2, state: 'running', trigger: { type: 'webhook' } });
    await expect(cluster.bus.request(ResolveTrigger, { hookId: 'x'.repeat(32) })).rejects.toMatchObject({ code: 'not_found' });

    expect((await call(keyA, 'POST', `/v1/recipes/${id}/stop`)).body).toMatchObject({ state: 'stopped' });
    expect(await cluster.bus.request(ResolveTrigger, { hookId: webhookUrl.slice('/hooks/'.length) })).toMatchObject({ state: 'stopped' });

    expect((await call(keyA, 'DELETE', `/v1/recipes/${id}`)).body).toEqual({ deleted: true });
    expect((await call(keyA, 'GET', `/v1/recipes/${id}`)).status).toBe(404);
    await expect(cluster.bus.request(ResolveTrigger, { hookId: webhookUrl.slice('/hooks/'.length) })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('pages the recipe list with a cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await call(keyA, 'POST', '/v1/recipes', { ...RECIPE, name: `page ${i}` })).body.id as string);
    const first = await call(keyA, 'GET', '/v1/recipes?limit=3');
    expect((first.body.items as { id: string }[]).map((r) => r.id)).toEqual([ids[4], ids[3], ids[2]]);
    const second = await call(keyA, 'GET', `/v1/recipes?limit=3&cursor=${String(first.body.nextCursor)}`);
    expect((second.body.items as { id: string }[]).map((r) => r.id).slice(0, 2)).toEqual([ids[1], ids[0]]);
    expect((await call(keyA, 'GET', '/v1/recipes?limit=0')).status).toBe(400);
    expect((await call(keyA, 'GET', '/v1/recipes?cursor=nope')).status).toBe(400);
  });

  it('keeps recipes and jobs of one workspace invisible (404) and untouchable to another', async () => {
    const recipe = (await call(keyA, 'POST', '/v1/recipes', RECIPE)).body;
    const id = recipe.id as string;
    await call(keyA, 'POST', `/v1/recipes/${id}/start`);
    const workspaceA = (await cluster.db.query(`SELECT workspace_id FROM recipes WHERE id = $1`, [id])).rows[0].workspace_id as string;
    await cluster.publish({ id }, workspaceA, 'one', { x: 1 });
    await new Promise((r) => setTimeout(r, 100));
    let jobId = '';
    for (let i = 0; i < 100 && !jobId; i++) {
      const list = await call(keyA, 'GET', `/v1/jobs?recipeId=${id}&status=succeeded`);
      jobId = ((list.body.items as { id: string }[])[0]?.id ?? '') as string;
      if (!jobId) await new Promise((r) => setTimeout(r, 100));
    }
    expect(jobId).toMatch(/^job_/);
    const job = await call(keyA, 'GET', `/v1/jobs/${jobId}`);
    expect(job.body).toMatchObject({ status: 'succeeded', output: { map: {} }, steps: [{ stepId: 'map', status: 'succeeded' }] });

    for (const [method, path] of [
      ['GET', `/v1/recipes/${id}`],
      ['PUT', `/v1/recipes/${id}`],
      ['DELETE', `/v1/recipes/${id}`],
      ['POST', `/v1/recipes/${id}/start`],
      ['POST', `/v1/recipes/${id}/stop`],
      ['GET', `/v1/jobs/${jobId}`],
      ['POST', `/v1/jobs/${jobId}/rerun`],
      ['POST', `/v1/jobs/${jobId}/cancel`],
    ]) {
      const res = await call(keyB, method, path, method === 'PUT' ? RECIPE : undefined);
      expect([method, path, res.status]).toEqual([method, path, 404]);
    }
    expect(((await call(keyB, 'GET', '/v1/recipes')).body.items as unknown[]).length).toBe(0);
    expect(((await call(keyB, 'GET', `/v1/jobs?recipeId=${id}`)).body.items as unknown[]).length).toBe(0);
    expect((await call(keyA, 'GET', `/v1/recipes/${id}`)).body).toMatchObject({ version: 1, state: 'running' });
    expect((await call(keyA, 'POST', `/v1/jobs/${jobId}/cancel`)).status).toBe(409);
    expect((await call(keyA, 'GET', '/v1/jobs?status=weird')).status).toBe(400);
    expect((await call(keyA, 'GET', '/v1/jobs?since=yesterday')).status).toBe(400);
  });

  it('pages and filters the job list', async () => {
    const id = (await call(keyA, 'POST', '/v1/recipes', { ...RECIPE, name: 'job pages' })).body.id as string;
    await call(keyA, 'POST', `/v1/recipes/${id}/start`);
    const workspaceA = (await cluster.db.query(`SELECT workspace_id FROM recipes WHERE id = $1`, [id])).rows[0].workspace_id as string;
    for (const key of ['p1', 'p2', 'p3']) await cluster.publish({ id }, workspaceA, key, { x: key });
    await waitFor(async () => (await cluster.count(`SELECT count(*) AS n FROM jobs WHERE recipe_id = $1 AND status = 'succeeded'`, [id])) === 3);

    const first = await call(keyA, 'GET', `/v1/jobs?recipeId=${id}&limit=2`);
    const second = await call(keyA, 'GET', `/v1/jobs?recipeId=${id}&limit=2&cursor=${String(first.body.nextCursor)}`);
    const ids = [...(first.body.items as { id: string }[]), ...(second.body.items as { id: string }[])].map((j) => j.id);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    expect([...ids].sort().reverse()).toEqual(ids); // newest first
    expect(second.body.nextCursor).toBeUndefined();
    expect(((await call(keyA, 'GET', `/v1/jobs?recipeId=${id}&status=failed`)).body.items as unknown[]).length).toBe(0);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect(((await call(keyA, 'GET', `/v1/jobs?recipeId=${id}&since=${future}`)).body.items as unknown[]).length).toBe(0);
    expect((await call(keyA, 'GET', `/v1/jobs?cursor=job_nope`)).status).toBe(400);
  });

  it('audits every recipe mutation under the calling key, and nothing for refused ones', async () => {
    const consumer = await cluster.nc.jetstream().consumers.get(`${cluster.namespace.toUpperCase()}_AUDIT`);
    const events: { action: string; actor: { type: string; id: string }; target: { type: string; id: string } }[] = [];
    const batch = await consumer.fetch({ max_messages: 1000, expires: 1500 });
    for await (const m of batch) events.push(m.json());
    const deleted = events.filter((e) => e.action === 'recipe.deleted');
    expect(deleted).toHaveLength(1);
    const trail = events.filter((e) => e.target.id === deleted[0].target.id).map((e) => e.action);
    expect(trail).toEqual(['recipe.created', 'recipe.updated', 'recipe.started', 'recipe.started', 'recipe.stopped', 'recipe.deleted']);
    expect(deleted[0].actor.type).toBe('api_key');
    // the other workspace's refused PUT/DELETE/start/stop/rerun/cancel wrote nothing
    expect(events.filter((e) => ['job.rerun', 'job.cancelled'].includes(e.action))).toHaveLength(0);
    expect(events.filter((e) => e.action === 'recipe.updated')).toHaveLength(1);
  });
});
