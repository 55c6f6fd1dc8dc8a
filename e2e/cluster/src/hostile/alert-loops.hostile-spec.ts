import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { waitFor } from '@junction/shared/testing';
import { ExecutorCluster, postTo } from '../executor-harness';
import { ExecutorApi } from '../executor-api-harness';

/**
 * Error handlers as an attacker (or a careless builder) would abuse them: a handler that fails and
 * names itself, chained through the workspace default, must not alert for ever; another workspace's
 * recipe cannot be made one's handler; only an admin may set the workspace default.
 */
describe('hostile: error handler loops and reach', () => {
  const cluster = new ExecutorCluster(new FakeThirdParty());
  const api = new ExecutorApi(cluster);
  let keyA: string;
  let keyB: string;

  const call = api.call;
  const recipe = async (key: string, definition: Record<string, unknown>): Promise<string> => {
    const created = await call(key, 'POST', '/v1/recipes', definition);
    expect(created.status).toBe(201);
    await call(key, 'POST', `/v1/recipes/${created.body.id as string}/start`);
    return created.body.id as string;
  };
  const failedRun = async (key: string, recipeId: string): Promise<string> => {
    const run = await call(key, 'POST', `/v1/recipes/${recipeId}/runs?wait=true&timeoutMs=20000`, {});
    expect(run.body).toMatchObject({ status: 'failed' });
    return run.body.jobId as string;
  };
  const jobsOf = (recipeId: string) => cluster.count(`SELECT count(*) AS n FROM jobs WHERE recipe_id = $1`, [recipeId]);

  beforeAll(async () => {
    await api.start();
    [keyA, keyB] = [await api.workspaceKey('a'), await api.workspaceKey('b')];
    cluster.sink.on('POST', '/broken', { status: 400, json: { error: 'no' } });
  }, 120_000);

  afterAll(() => api.close(), 60_000);

  it('a failing handler that names itself and is the workspace default never triggers itself', async () => {
    const broken = { trigger: { type: 'manual' }, steps: [{ id: 'call', ...postTo(cluster.sink.url, '/broken', {}) }] };
    const handlerId = await recipe(keyA, { name: 'self-alerting handler', ...broken, settings: { onFailure: { recipe: 'self-alerting handler' } } });
    expect((await call(keyA, 'PUT', '/v1/workspace/settings', { onFailure: { recipe: handlerId } })).status).toBe(200);
    const victimId = await recipe(keyA, { name: 'victim', ...broken });

    const first = await failedRun(keyA, victimId);
    await waitFor(async () => (await cluster.count(`SELECT count(*) AS n FROM jobs WHERE recipe_id = $1 AND status = 'failed'`, [handlerId])) === 1, 30_000, 200);
    // the handler's own direct failure (a manual run of it) alerts through itself once; that job's failure does not
    const direct = await failedRun(keyA, handlerId);
    const second = await failedRun(keyA, victimId);
    await waitFor(async () => (await cluster.count(`SELECT count(*) AS n FROM jobs WHERE recipe_id = $1 AND status = 'failed'`, [handlerId])) === 4, 30_000, 200);
    // a later sweep has run (both victims alerted); the handler's failed handler jobs made nothing more
    await waitFor(async () => (await cluster.count(`SELECT count(*) AS n FROM jobs WHERE recipe_id = $1 AND alert_state = 'handler'`, [handlerId])) === 3, 30_000, 200);
    expect(await jobsOf(handlerId)).toBe(4);
    for (const id of [first, second, direct]) expect((await call(keyA, 'GET', `/v1/jobs/${id}`)).body.alert).toMatchObject({ recipeId: handlerId });
  }, 150_000);

  it('a handler that calls a failing recipe which names the handler does not loop through the call', async () => {
    const broken = { trigger: { type: 'manual' }, steps: [{ id: 'call', ...postTo(cluster.sink.url, '/broken', {}) }] };
    // R fails and names H; H calls R (waiting): without a lineage, R's failure inside H would alert H again, for ever
    const rId = await recipe(keyA, { name: 'chain r', ...broken, settings: { onFailure: { recipe: 'chain h' } } });
    const hId = await recipe(keyA, { name: 'chain h', trigger: { type: 'manual' }, steps: [{ id: 'again', callRecipe: { recipe: rId } }] });
    await failedRun(keyA, rId);
    // the direct failure alerts H once; H's call of R fails, and so does H: neither alerts
    await waitFor(async () => (await cluster.count(`SELECT count(*) AS n FROM jobs WHERE recipe_id = $1 AND status = 'failed'`, [hId])) === 1, 30_000, 200);
    await waitFor(async () => (await cluster.count(`SELECT count(*) AS n FROM jobs WHERE recipe_id = $1 AND alert_state = 'handler'`, [rId])) === 1, 30_000, 200);
    await new Promise((r) => setTimeout(r, 12_000)); // two sweeps more: nothing new may appear
    expect(await jobsOf(hId)).toBe(1);
    expect(await jobsOf(rId)).toBe(2);
  }, 150_000);

  it("another workspace's recipe cannot be a handler, by settings or by the recipe; only an admin sets the default", async () => {
    const theirs = await recipe(keyB, { name: 'b handler', trigger: { type: 'manual' }, steps: [{ id: 'x', set: { x: 1 } }] });
    const refused = await call(keyA, 'PUT', '/v1/workspace/settings', { onFailure: { recipe: theirs } });
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.body)).not.toContain('b handler');
    expect((await call(keyA, 'PUT', '/v1/workspace/settings', {})).status).toBe(200);

    const pointing = await recipe(keyA, {
      name: 'points at b',
      trigger: { type: 'manual' },
      steps: [{ id: 'call', ...postTo(cluster.sink.url, '/broken', {}) }],
      settings: { onFailure: { recipe: theirs } },
    });
    const failed = await failedRun(keyA, pointing);
    await waitFor(async () => (await cluster.count(`SELECT count(*) AS n FROM jobs WHERE id = $1 AND alert_state = 'none'`, [failed])) === 1, 30_000, 200);
    expect(await jobsOf(theirs)).toBe(0);
    expect((await call(keyA, 'GET', `/v1/jobs/${failed}`)).body.alert).toBeUndefined();

    const builder = await call(keyA, 'POST', '/v1/api-keys', { name: 'builder', role: 'builder' });
    const builderKey = builder.body.key as string;
    expect((await call(builderKey, 'PUT', '/v1/workspace/settings', { onFailure: { recipe: pointing } })).status).toBe(403);
    expect((await call(builderKey, 'GET', '/v1/workspace/settings')).status).toBe(403);
    expect((await call(keyA, 'GET', '/v1/workspace/settings')).body).toEqual({});
  }, 150_000);
});
