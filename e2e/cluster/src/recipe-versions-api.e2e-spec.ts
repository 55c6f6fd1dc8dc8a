import { Cluster, RUN_MODES, type RunMode } from './cluster-harness';

interface VersionList {
  items: { version: number; createdAt: string; active: boolean; createdBy?: { type: string; id: string } }[];
}

const recipe = (tag: string) => ({ name: 'versioned', trigger: { type: 'manual' }, steps: [{ id: 'tag', set: { tag } }] });

/** GET /v1/recipes/:id/versions[/:v] and rollback by POST /v1/recipes/:id/start { version }. */
describe.each(RUN_MODES)('recipe versions API (%s)', (mode: RunMode) => {
  const cluster = Cluster.inMode(mode);
  let recipeId = '';

  beforeAll(async () => {
    await cluster.start(['gateway', 'auth', 'connectors', 'scheduler', 'executor', 'audit']);
    const created = await cluster.call<{ id: string }>('POST', '/v1/recipes', recipe('one'));
    recipeId = created.body.id;
    expect((await cluster.call('PUT', `/v1/recipes/${recipeId}`, recipe('two'))).status).toBe(200);
    expect((await cluster.call('PUT', `/v1/recipes/${recipeId}`, recipe('three'))).status).toBe(200);
  }, 180_000);

  afterAll(async () => {
    await cluster.stop();
  }, 60_000);

  it('lists every version newest first, none active while stopped; one version gives its definition', async () => {
    const list = await cluster.call<VersionList>('GET', `/v1/recipes/${recipeId}/versions`);
    expect(list.status).toBe(200);
    expect(list.body.items.map((v) => [v.version, v.active])).toEqual([
      [3, false],
      [2, false],
      [1, false],
    ]);
    expect(Number.isNaN(Date.parse(list.body.items[0].createdAt))).toBe(false);
    // made with the workspace's admin key: its id, never the secret
    const me = await cluster.call<{ id: string }>('GET', '/v1/me');
    for (const v of list.body.items) expect(v.createdBy).toEqual({ type: 'api_key', id: me.body.id });
    const one = await cluster.call<{ version: number; definition: unknown }>('GET', `/v1/recipes/${recipeId}/versions/1`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ version: 1, active: false, definition: recipe('one') });
  });

  it('starts version 1 (a rollback): runs use it, the list marks it active, the recipe still names 3 as latest', async () => {
    const started = await cluster.call<{ version: number; activeVersion: number; definition: unknown }>('POST', `/v1/recipes/${recipeId}/start`, { version: 1 });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ version: 3, activeVersion: 1, definition: recipe('three') });
    const run = await cluster.call<{ jobId?: string; id?: string; recipeVersion?: number }>('POST', `/v1/recipes/${recipeId}/runs?wait=true&timeoutMs=20000`, {});
    expect(run.status).toBe(200);
    const jobId = (run.body.jobId ?? run.body.id) as string;
    const job = await cluster.call<{ recipeVersion: number; status: string }>('GET', `/v1/jobs/${jobId}`);
    expect(job.body).toMatchObject({ recipeVersion: 1, status: 'succeeded' });
    const list = await cluster.call<VersionList>('GET', `/v1/recipes/${recipeId}/versions`);
    expect(list.body.items.filter((v) => v.active).map((v) => v.version)).toEqual([1]);
    // without a version, start goes back to the latest
    expect((await cluster.call('POST', `/v1/recipes/${recipeId}/start`)).body).toMatchObject({ activeVersion: 3 });
  });

  it('answers 404 for a missing version (read or start), 400 for a malformed one, and 404 for another workspace', async () => {
    expect((await cluster.call('GET', `/v1/recipes/${recipeId}/versions/9`)).status).toBe(404);
    expect((await cluster.call('POST', `/v1/recipes/${recipeId}/start`, { version: 9 })).status).toBe(404);
    for (const bad of ['0', '-1', 'x', '1.5', '99999999999']) expect((await cluster.call('GET', `/v1/recipes/${recipeId}/versions/${bad}`)).status).toBe(400);
    for (const bad of [0, '2', 1.5]) expect((await cluster.call('POST', `/v1/recipes/${recipeId}/start`, { version: bad })).status).toBe(400);
    const other = await cluster.call<{ apiKey: { key: string } }>('POST', '/v1/workspaces', { name: 'other' }, cluster.rootToken);
    expect(other.status).toBe(201);
    const key = other.body.apiKey.key;
    expect((await cluster.call('GET', `/v1/recipes/${recipeId}/versions`, undefined, key)).status).toBe(404);
    expect((await cluster.call('GET', `/v1/recipes/${recipeId}/versions/1`, undefined, key)).status).toBe(404);
    expect((await cluster.call('POST', `/v1/recipes/${recipeId}/start`, { version: 1 }, key)).status).toBe(404);
  });

  it('is in the OpenAPI document', async () => {
    const doc = await cluster.call<{ paths: Record<string, Record<string, unknown>> }>('GET', '/docs/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/recipes/{id}/versions', '/v1/recipes/{id}/versions/{v}']));
  });
});
