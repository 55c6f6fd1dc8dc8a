import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { waitFor } from '@junction/shared/testing';
import { ExecutorCluster, postTo } from './executor-harness';
import { ExecutorApi, type Answer } from './executor-api-harness';

/** Error handlers (settings.onFailure, the workspace default) through the gateway: every failure alerts once, a cancel does not. */
describe('failures always alert', () => {
  const cluster = new ExecutorCluster(new FakeThirdParty());
  const api = new ExecutorApi(cluster);
  let key: string;

  const call = (method: string, path: string, body?: unknown): Promise<Answer> => api.call(key, method, path, body);
  const job = async (id: string) => (await call('GET', `/v1/jobs/${id}`)).body;
  const recipe = async (definition: Record<string, unknown>): Promise<string> => {
    const created = await call('POST', '/v1/recipes', definition);
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await call('POST', `/v1/recipes/${id}/start`)).status).toBe(200);
    return id;
  };
  const failedRun = async (recipeId: string): Promise<string> => {
    const run = await call('POST', `/v1/recipes/${recipeId}/runs?wait=true&timeoutMs=20000`, {});
    expect(run.body).toMatchObject({ status: 'failed', error: { stepId: 'call' } });
    return run.body.jobId as string;
  };
  /** The summaries the handler posted, by failed job id. */
  const alertsFor = (jobId: string) =>
    cluster.sink
      .requestsTo('/alert')
      .map((r) => r.json as { job: { id: string } })
      .filter((s) => s.job.id === jobId);
  const failing = (name: string, settings?: Record<string, unknown>) => ({
    name,
    trigger: { type: 'manual' },
    steps: [{ id: 'call', ...postTo(cluster.sink.url, '/broken', { n: 1 }) }],
    ...(settings ? { settings } : {}),
  });

  // the handler posts the summary it was given
  const tellAlert = { id: 'tell', action: 'http.request', input: { method: 'POST', url: '', body: '{{ trigger }}' } };

  beforeAll(async () => {
    await api.start();
    key = await api.workspaceKey('alerts');
    cluster.sink.on('POST', '/broken', { status: 400, json: { error: 'bad field' } });
    cluster.sink.on('POST', '/alert', { status: 200, json: { ok: true } });
    tellAlert.input.url = `${cluster.sink.url}/alert`;
  }, 120_000);

  afterAll(() => api.close(), 60_000);

  it("runs the recipe's handler once per failure with the summary, a manual run's and a rerun's alike; a cancelled job does not alert", async () => {
    const handlerId = await recipe({ name: 'alert handler', trigger: { type: 'manual' }, steps: [tellAlert] });
    const failingId = await recipe(failing('fails at call', { onFailure: { recipe: 'alert handler' } }));
    const sleepyId = await recipe({ name: 'sleepy', trigger: { type: 'manual' }, steps: [{ id: 'nap', delay: '10m' }], settings: { onFailure: { recipe: handlerId } } });

    // a job cancelled while it sleeps: terminal, but not a failure
    expect((await call('POST', `/v1/recipes/${sleepyId}/runs`, {})).status).toBe(202);
    let sleeper = '';
    await waitFor(
      async () => {
        const [item] = (await call('GET', `/v1/jobs?recipeId=${sleepyId}`)).body.items as { id: string; status: string }[];
        sleeper = item?.id ?? '';
        return item?.status === 'running';
      },
      20_000,
      100,
    );
    expect((await call('POST', `/v1/jobs/${sleeper}/cancel`)).body).toMatchObject({ status: 'cancelled' });

    const a = await failedRun(failingId);
    await waitFor(async () => alertsFor(a).length === 1, 30_000, 200);
    expect(alertsFor(a)[0]).toEqual({
      job: { id: a, link: `/v1/jobs/${a}`, triggerKind: expect.any(String), failedAt: expect.any(String) },
      recipe: { id: failingId, name: 'fails at call', version: 1 },
      step: 'call',
      error: { kind: expect.any(String), message: expect.any(String) },
    });
    const alerted = await job(a);
    expect(alerted.alert).toEqual({ recipeId: handlerId, jobId: expect.stringMatching(/^job_/), at: expect.any(String) });
    const handlerJob = await job((alerted.alert as { jobId: string }).jobId);
    expect(handlerJob).toMatchObject({ recipeId: handlerId, status: 'succeeded', trigger: { job: { id: a } } });

    // the rerun fails again: a second failure, a second alert
    expect((await call('POST', `/v1/jobs/${a}/rerun`)).status).toBe(200);
    await waitFor(async () => alertsFor(a).length === 2, 30_000, 200);
    const realerted = await job(a);
    expect(realerted).toMatchObject({ status: 'failed', alert: { recipeId: handlerId } });
    expect((realerted.alert as { jobId: string }).jobId).not.toBe((alerted.alert as { jobId: string }).jobId);

    // a later failure's alert proves sweeps ran meanwhile: the cancelled job and the alerted ones made no more
    const b = await failedRun(failingId);
    await waitFor(async () => alertsFor(b).length === 1, 30_000, 200);
    expect(alertsFor(a)).toHaveLength(2);
    expect(alertsFor(sleeper)).toHaveLength(0);
    expect((await job(sleeper)).alert).toBeUndefined();
    expect(await cluster.count(`SELECT count(*) AS n FROM jobs WHERE recipe_id = $1`, [handlerId])).toBe(3);
  }, 150_000);

  it('applies the workspace default handler when the recipe names none; settings are validated', async () => {
    const handlerId = await recipe({ name: 'default handler', trigger: { type: 'manual' }, steps: [tellAlert] });
    expect((await call('GET', '/v1/workspace/settings')).body).toEqual({});
    expect((await call('PUT', '/v1/workspace/settings', { onFailure: { recipe: 'no such recipe' } })).status).toBe(422);
    for (const body of [{ onFailure: 5 }, { onFailure: { recipe: '' } }, { onFailure: { recipe: 'x', more: 1 } }])
      expect((await call('PUT', '/v1/workspace/settings', body)).status).toBe(400);
    const put = await call('PUT', '/v1/workspace/settings', { onFailure: { recipe: handlerId } });
    expect(put).toEqual({ status: 200, body: { onFailure: { recipe: handlerId } } });
    expect((await call('GET', '/v1/workspace/settings')).body).toEqual({ onFailure: { recipe: handlerId } });

    const plainId = await recipe(failing('no handler of its own'));
    const c = await failedRun(plainId);
    await waitFor(async () => alertsFor(c).length === 1, 30_000, 200);
    expect(alertsFor(c)[0]).toMatchObject({ recipe: { id: plainId, name: 'no handler of its own' } });
    expect((await job(c)).alert).toMatchObject({ recipeId: handlerId });

    // cleared: a failure without any handler is not alerted, and says so by having no `alert`
    expect((await call('PUT', '/v1/workspace/settings', {})).body).toEqual({});
    const d = await failedRun(plainId);
    await waitFor(async () => (await cluster.count(`SELECT count(*) AS n FROM jobs WHERE id = $1 AND alert_state = 'none'`, [d])) === 1, 30_000, 200);
    expect((await job(d)).alert).toBeUndefined();
  }, 150_000);
});
