import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { AwaitRun, CancelJob, CreateRecipe, GetJob, GetRecipe, ListJobs, RerunJob, StartRecipe, StopRecipe } from '@junction/executor/contracts';
import { waitFor } from '@junction/shared/testing';
import { ExecutorCluster, postTo } from './executor-harness';

const WS = 'ws_jobs';

/**
 * The durable job runner end to end: trigger events on JetStream → jobs in Postgres → the
 * engine → connectors.invoke → a local sink, with the executor and connectors as processes.
 */
describe('executor: trigger events to finished jobs', () => {
  // long waits leave memory after 1 s; overdue jobs are swept every 300 ms
  const cluster = new ExecutorCluster(new FakeThirdParty(), { EXECUTOR_IN_MEMORY_WAIT_MAX_MS: '1000', EXECUTOR_SWEEP_INTERVAL_MS: '300', EXECUTOR_OVERDUE_GRACE_MS: '0' });

  beforeAll(() => cluster.start(), 90_000);
  afterAll(() => cluster.close(), 60_000);

  it('makes exactly one job and one sink request per dedupe key: 500 events, 50 of them late duplicates → 450', async () => {
    cluster.sink.on('POST', '/orders', (req) => ({ status: 201, json: { ok: true, got: req.json } }));
    const recipe = await cluster.runningRecipe(WS, {
      name: 'webhook to sink',
      trigger: { type: 'webhook' },
      steps: [
        { id: 'map', set: { order: '{{ trigger.body.id }}', qty: '{{ trigger.body.qty }}', sku: '{{ $uppercase(trigger.body.sku) }}', at: '{{ trigger.body.at }}' } },
        { id: 'post', ...postTo(cluster.sink.url, '/orders', { order: '{{ vars.order }}', qty: '{{ vars.qty }}', sku: '{{ vars.sku }}', at: '{{ vars.at }}' }) },
      ],
    });
    expect(recipe.webhookUrl).toMatch(/^\/hooks\/[A-Za-z0-9_-]{32}$/);

    const started = Date.now();
    const publishes = [];
    for (let i = 0; i < 450; i++) publishes.push(cluster.publish(recipe, WS, `d-${i}`, { id: `o-${i}`, qty: i, sku: 'ab', at: '2026-01-01' }));
    // late duplicates: other msg ids, so JetStream's own window does not catch them; only Postgres can
    for (let i = 0; i < 50; i++) publishes.push(cluster.publish(recipe, WS, `d-${i * 9}`, { id: `dup-${i}` }, `${recipe.id}:d-${i * 9}:late`));
    const acks = await Promise.all(publishes);
    expect(acks.filter((a) => a.duplicate)).toHaveLength(0);

    await waitFor(async () => (await cluster.count(`SELECT count(*) AS n FROM jobs WHERE recipe_id = $1 AND status = 'succeeded'`, [recipe.id])) === 450, 90_000, 200);
    const seconds = (Date.now() - started) / 1000;
    console.log(`450 jobs (500 events) succeeded in ${seconds.toFixed(2)} s: ${(450 / seconds).toFixed(0)} jobs/s`);
    await new Promise((r) => setTimeout(r, 1000)); // anything late would show up now

    expect(await cluster.count(`SELECT count(*) AS n FROM jobs WHERE recipe_id = $1`, [recipe.id])).toBe(450);
    const hits = cluster.sink.requestsTo('/orders');
    expect(hits).toHaveLength(450);
    expect(new Set(hits.map((h) => (h.json as { order: string }).order)).size).toBe(450);
    expect(hits.some((h) => (h.json as { order: string }).order.startsWith('dup-'))).toBe(false);
    expect(new Set(hits.map((h) => h.headers['idempotency-key'])).size).toBe(450);
    expect(hits[0].json).toMatchObject({ sku: 'AB', at: '2026-01-01' });

    // every step checkpointed with its input and output
    const [job] = await cluster.jobsOf(recipe.id);
    const steps = await cluster.stepsOf(job.id);
    expect(steps.map((s) => [s.step_id, s.status, s.attempt])).toEqual([
      ['map', 'succeeded', null],
      ['post', 'succeeded', 1],
    ]);
    expect(steps[1].output).toMatchObject({ status: 201 });
  }, 120_000);

  it('honours Retry-After: 429, 429, then 200 succeeds on attempt 3 after at least 2 s', async () => {
    cluster.sink.on('POST', '/limited', [
      { status: 429, headers: { 'retry-after': '1' }, json: { error: 'slow down' } },
      { status: 429, headers: { 'retry-after': '1' }, json: { error: 'slow down' } },
      { status: 200, json: { ok: true } },
    ]);
    const recipe = await cluster.runningRecipe(WS, { name: 'limited', trigger: { type: 'webhook' }, steps: [{ id: 'post', ...postTo(cluster.sink.url, '/limited', { a: 1 }) }] });
    await cluster.publish(recipe, WS, 'only', {});
    const job = await waitForEnd(recipe.id);
    expect(job.status).toBe('succeeded');
    const steps = await cluster.stepsOf(job.id);
    expect(steps.map((s) => [s.status, s.attempt])).toEqual([
      ['retrying', 1],
      ['retrying', 2],
      ['succeeded', 3],
    ]);
    const times = cluster.sink.requestsTo('/limited').map((r) => r.headers['idempotency-key']);
    expect(new Set(times).size).toBe(1); // retries keep the idempotency key
    expect(new Date(steps[2].finished_at).getTime() - new Date(steps[0].finished_at).getTime()).toBeGreaterThanOrEqual(2000);
  }, 30_000);

  it('fails at once on a 400 with the response body in the step error, lists it as a dead letter, and reruns it from the failed step', async () => {
    let fixed = false;
    cluster.sink.on('POST', '/first', { status: 200, json: { first: true } });
    cluster.sink.on('POST', '/strict', () => (fixed ? { status: 200, json: { ok: true } } : { status: 400, json: { error: 'email is taken' } }));
    const recipe = await cluster.runningRecipe(WS, {
      name: 'strict',
      trigger: { type: 'webhook' },
      steps: [
        { id: 'first', ...postTo(cluster.sink.url, '/first', { n: 1 }) },
        { id: 'second', ...postTo(cluster.sink.url, '/strict', { from: '{{ steps.first.body.first }}' }) },
      ],
    });
    await cluster.publish(recipe, WS, 'bad', {});
    const failed = await waitForEnd(recipe.id);
    expect(failed.status).toBe('failed');
    expect(cluster.sink.requestsTo('/strict')).toHaveLength(1);
    const view = await cluster.bus.request(GetJob, { workspaceId: WS, id: failed.id });
    expect(view.steps.map((s) => [s.stepId, s.status, s.attempt])).toEqual([
      ['first', 'succeeded', 1],
      ['second', 'failed', 1],
    ]);
    expect(view.steps[1].error).toMatchObject({ kind: 'fatal', details: { status: 400, responseBody: { error: 'email is taken' } } });
    const dead = await cluster.bus.request(ListJobs, { workspaceId: WS, status: 'failed', recipeId: recipe.id });
    expect(dead.items.map((j) => j.id)).toEqual([failed.id]);

    fixed = true;
    const rerun = await cluster.bus.request(RerunJob, { workspaceId: WS, id: failed.id });
    expect(rerun.status).toBe('running');
    await waitFor(async () => (await cluster.jobsOf(recipe.id))[0].status === 'succeeded', 15_000);
    expect(cluster.sink.requestsTo('/first')).toHaveLength(1); // the completed step did not run again
    const strict = cluster.sink.requestsTo('/strict');
    expect(strict).toHaveLength(2);
    expect(strict[1].headers['idempotency-key']).not.toBe(strict[0].headers['idempotency-key']); // a new attempt group
    expect(strict[1].json).toEqual({ from: true });
    const after = await cluster.bus.request(GetJob, { workspaceId: WS, id: failed.id });
    expect(after.steps.map((s) => [s.stepId, s.status, s.group])).toEqual([
      ['first', 'succeeded', 0],
      ['second', 'failed', 0],
      ['second', 'succeeded', 1],
    ]);
    await expect(cluster.bus.request(RerunJob, { workspaceId: WS, id: failed.id })).rejects.toMatchObject({ code: 'conflict' });
  }, 30_000);

  it('keeps every job of a recipe within its concurrency limit', async () => {
    let inFlight = 0;
    let peak = 0;
    cluster.sink.on('POST', '/narrow', () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      setTimeout(() => inFlight--, 150);
      return { status: 200, json: {}, delayMs: 150 };
    });
    const recipe = await cluster.runningRecipe(WS, {
      name: 'narrow',
      trigger: { type: 'webhook' },
      steps: [{ id: 'post', ...postTo(cluster.sink.url, '/narrow', {}) }],
      settings: { concurrency: 2 },
    });
    await Promise.all(Array.from({ length: 12 }, (_, i) => cluster.publish(recipe, WS, `n-${i}`, {})));
    await waitFor(async () => (await cluster.count(`SELECT count(*) AS n FROM jobs WHERE recipe_id = $1 AND status = 'succeeded'`, [recipe.id])) === 12, 30_000);
    expect(peak).toBeLessThanOrEqual(2);
    expect(peak).toBe(2);
  }, 40_000);

  it('fails a job past its recipe timeout, even one asleep in a long delay, and cancels another for good', async () => {
    const sleepy = await cluster.runningRecipe(WS, {
      name: 'sleepy',
      trigger: { type: 'webhook' },
      steps: [
        { id: 'nap', delay: '10m' },
        { id: 'never', set: { x: 1 } },
      ],
      settings: { timeout: '2s' },
    });
    await cluster.publish(sleepy, WS, 'one', {});
    await cluster.publish(sleepy, WS, 'two', {});
    let jobs: { id: string; status: string; dedupe_key: string }[] = [];
    await waitFor(async () => {
      jobs = await cluster.jobsOf(sleepy.id);
      return jobs.length === 2 && jobs.every((j) => j.status === 'running');
    }, 10_000);
    const two = jobs.find((j) => j.dedupe_key === 'two') as { id: string };
    const cancelled = await cluster.bus.request(CancelJob, { workspaceId: WS, id: two.id });
    expect(cancelled.status).toBe('cancelled');
    // asleep (lease given up) rather than holding a worker
    expect(await cluster.count(`SELECT count(*) AS n FROM jobs WHERE recipe_id = $1 AND wake_at IS NOT NULL AND lease_owner IS NULL`, [sleepy.id])).toBe(1);

    const one = await waitForEnd(sleepy.id, 'one');
    expect(one.status).toBe('failed');
    const view = await cluster.bus.request(GetJob, { workspaceId: WS, id: one.id });
    expect(view.error).toMatchObject({ kind: 'timeout', stepId: 'nap' });
    expect(new Date(view.finishedAt as string).getTime() - new Date(view.startedAt as string).getTime()).toBeGreaterThanOrEqual(2000);
    expect((await cluster.bus.request(GetJob, { workspaceId: WS, id: two.id })).status).toBe('cancelled'); // terminal stays terminal
    await expect(cluster.bus.request(CancelJob, { workspaceId: WS, id: one.id })).rejects.toMatchObject({ code: 'conflict' });
  }, 30_000);

  it('answers AwaitRun with the respond step reply, also when the job finished before anyone asked, and pending on timeout', async () => {
    cluster.sink.on('POST', '/secretive', { status: 200, json: { id: 'u_1', access_token: 'tok_live_abc', nested: { password: 'hunter2' } } });
    const recipe = await cluster.runningRecipe(WS, {
      name: 'api callable',
      trigger: { type: 'webhook' },
      steps: [
        { id: 'login', ...postTo(cluster.sink.url, '/secretive', { user: '{{ trigger.body.user }}' }) },
        { id: 'reply', respond: { status: 201, headers: { 'x-user': '{{ steps.login.body.id }}' }, body: { hello: '{{ trigger.body.user }}' } } },
        { id: 'later', delay: '10m' },
      ],
    });
    const waiting = cluster.bus.request(AwaitRun, { workspaceId: WS, recipeId: recipe.id, dedupeKey: 'k1', timeoutMs: 10_000 });
    await cluster.publish(recipe, WS, 'k1', { user: 'ann' });
    const outcome = await waiting;
    expect(outcome).toMatchObject({ status: 'running', reply: { status: 201, headers: { 'x-user': 'u_1' }, body: { hello: 'ann' } } });

    // asked after the fact: the job row answers, not a message that was missed
    const again = await cluster.bus.request(AwaitRun, { workspaceId: WS, recipeId: recipe.id, dedupeKey: 'k1', timeoutMs: 1000 });
    expect(again).toMatchObject({ jobId: outcome.jobId, reply: { status: 201 } });
    const started = Date.now();
    expect(await cluster.bus.request(AwaitRun, { workspaceId: WS, recipeId: recipe.id, dedupeKey: 'never-sent', timeoutMs: 300 })).toEqual({ status: 'pending' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    // another workspace learns nothing
    expect(await cluster.bus.request(AwaitRun, { workspaceId: 'ws_other', recipeId: recipe.id, dedupeKey: 'k1', timeoutMs: 200 })).toEqual({ status: 'pending' });

    // secrets in a step's output are redacted from the stored step row and from the API
    const view = await cluster.bus.request(GetJob, { workspaceId: WS, id: outcome.jobId as string });
    expect(view.steps[0].output).toMatchObject({ body: { id: 'u_1', access_token: '[redacted]', nested: { password: '[redacted]' } } });
    expect(view.output).toMatchObject({ login: { body: { access_token: '[redacted]' } } });
    const stored = await cluster.stepsOf(outcome.jobId as string);
    expect(JSON.stringify(stored)).not.toContain('tok_live_abc');
    expect(JSON.stringify(stored)).not.toContain('hunter2');
  }, 30_000);

  it("calls a connector webhook trigger's onEnable on start, and leaves the recipe stopped when the provider side fails", async () => {
    const github = await cluster.runningRecipe(WS, {
      name: 'github events',
      trigger: { type: 'webhook', connector: 'github', trigger: 'webhook_event', input: { events: ['push'] } },
      steps: [{ id: 'map', set: { x: 1 } }],
    });
    expect(github).toMatchObject({ state: 'running', webhookUrl: expect.stringMatching(/^\/hooks\//) });
    expect((await cluster.bus.request(StopRecipe, { workspaceId: WS, id: github.id })).state).toBe('stopped');

    const created = await cluster.bus.request(CreateRecipe, {
      workspaceId: WS,
      definition: { name: 'no such trigger', trigger: { type: 'webhook', connector: 'github', trigger: 'nope' }, steps: [{ id: 'map', set: { x: 1 } }] },
    });
    await expect(cluster.bus.request(StartRecipe, { workspaceId: WS, id: created.id })).rejects.toMatchObject({ code: 'not_found' });
    expect(await cluster.bus.request(GetRecipe, { workspaceId: WS, id: created.id })).toMatchObject({ state: 'stopped' });
    expect((await cluster.bus.request(GetRecipe, { workspaceId: WS, id: created.id })).webhookUrl).toBeUndefined();
  });

  async function waitForEnd(recipeId: string, dedupeKey?: string): Promise<{ id: string; status: string }> {
    let job: { id: string; status: string } | undefined;
    await waitFor(async () => {
      job = (await cluster.jobsOf(recipeId)).find((j) => dedupeKey === undefined || j.dedupe_key === dedupeKey);
      return job !== undefined && !['queued', 'running'].includes(job.status);
    }, 20_000);
    return job as { id: string; status: string };
  }
});
