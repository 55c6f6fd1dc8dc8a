import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { waitFor } from '@junction/shared/testing';
import { ExecutorCluster, postTo } from './executor-harness';

const WS = 'ws_foreach';
const CALL_MS = 300;
const ITEMS = Array.from({ length: 10 }, (_, i) => i);

/**
 * forEach `concurrency` end to end: the executor and connectors as processes, Postgres
 * checkpoints, and a sink that takes 300 ms per request and counts how many it answers at once.
 */
describe('executor: forEach with concurrency runs iterations at once', () => {
  const cluster = new ExecutorCluster(new FakeThirdParty());

  beforeAll(() => cluster.start(), 90_000);
  afterAll(() => cluster.close(), 60_000);

  const loopOver = (path: string) => ({
    trigger: { type: 'webhook' },
    steps: [{ id: 'loop', forEach: '{{ trigger.body.items }}', concurrency: 5, steps: [{ id: 'post', ...postTo(cluster.sink.url, path, { n: '{{ item }}' }) }] }],
  });

  async function finishedJob(recipeId: string) {
    await waitFor(async () => ['succeeded', 'failed'].includes((await cluster.jobsOf(recipeId))[0]?.status ?? ''), 30_000, 100);
    const [job] = (await cluster.db.query(`SELECT id, status, error, started_at, finished_at FROM jobs WHERE recipe_id = $1`, [recipeId])).rows as {
      id: string;
      status: string;
      error: unknown;
      started_at: Date;
      finished_at: Date;
    }[];
    return { ...job, ms: job.finished_at.getTime() - job.started_at.getTime() };
  }

  it('10 items at concurrency 5 against a 300 ms sink: at most 5 requests at once, well under 10 × 300 ms, each iteration checkpointed once', async () => {
    cluster.sink.on('POST', '/slow', { status: 200, json: { ok: true }, delayMs: CALL_MS });
    const recipe = await cluster.runningRecipe(WS, { name: 'fan out', ...loopOver('/slow') });
    await cluster.publish(recipe, WS, 'fan', { items: ITEMS });
    const job = await finishedJob(recipe.id);
    expect(job).toMatchObject({ status: 'succeeded', error: null });

    const gauge = cluster.sink.concurrency('/slow');
    expect(gauge.peak).toBeLessThanOrEqual(5);
    expect(gauge.peak).toBeGreaterThanOrEqual(2);
    // one at a time takes at least 10 × 300 ms; five at a time about 2 × 300 ms plus the checkpoints
    expect(job.ms).toBeLessThan(2_500); // ~1.0–1.25 s measured; the margin is for a loaded CI machine
    process.stdout.write(`forEach of 10 × ${CALL_MS} ms at concurrency 5: ${job.ms} ms, sink peak ${gauge.peak}\n`);

    const hits = cluster.sink.requestsTo('/slow');
    expect(hits.map((h) => (h.json as { n: number }).n).sort((a, b) => a - b)).toEqual(ITEMS);
    expect(new Set(hits.map((h) => h.headers['idempotency-key'])).size).toBe(10);

    const rows = (await cluster.db.query(`SELECT step_id, step_key, status, attempt FROM job_steps WHERE job_id = $1 ORDER BY seq`, [job.id])).rows as {
      step_id: string;
      step_key: string;
      status: string;
      attempt: number | null;
    }[];
    const posts = rows.filter((r) => r.step_id === 'post');
    expect(posts).toHaveLength(10);
    expect(posts.map((r) => r.step_key).sort()).toEqual(ITEMS.map((i) => `post[${i}]`).sort());
    expect(posts.every((r) => r.status === 'succeeded' && r.attempt === 1)).toBe(true);
    expect(rows.filter((r) => r.step_id === 'loop')).toEqual([{ step_id: 'loop', step_key: 'loop', status: 'succeeded', attempt: null }]);
  }, 60_000);

  it('a 429 in one lane is retried after its Retry-After while the other lanes go on and finish', async () => {
    let limited = false;
    cluster.sink.on('POST', '/flaky', (req) => {
      if ((req.json as { n: number }).n === 3 && !limited) {
        limited = true;
        return { status: 429, headers: { 'retry-after': '1' }, json: { error: 'slow down' } };
      }
      return { status: 200, json: { ok: true }, delayMs: CALL_MS };
    });
    const recipe = await cluster.runningRecipe(WS, { name: 'fan out, one limited', ...loopOver('/flaky') });
    await cluster.publish(recipe, WS, 'flaky', { items: ITEMS });
    const job = await finishedJob(recipe.id);
    expect(job.status).toBe('succeeded');
    expect(cluster.sink.concurrency('/flaky').peak).toBeLessThanOrEqual(5);

    const hits = cluster.sink.requestsTo('/flaky');
    const ofThree = hits.filter((h) => (h.json as { n: number }).n === 3);
    expect(ofThree).toHaveLength(2);
    expect(ofThree[1].headers['idempotency-key']).toBe(ofThree[0].headers['idempotency-key']);
    expect(ofThree[1].at - ofThree[0].at).toBeGreaterThanOrEqual(1_000);
    // other lanes sent requests while lane 3 waited out its Retry-After
    const during = hits.filter((h) => (h.json as { n: number }).n !== 3 && h.at > ofThree[0].at && h.at < ofThree[1].at);
    expect(during.length).toBeGreaterThanOrEqual(3);

    const steps = await cluster.stepsOf(job.id);
    const rowsOf = (key: string) =>
      steps.filter((s) => (s as unknown as { step_key: string }).step_key === key).map((s) => [s.status, s.attempt, new Date(s.finished_at).getTime()] as const);
    expect(rowsOf('post[3]').map(([status, attempt]) => [status, attempt])).toEqual([
      ['retrying', 1],
      ['succeeded', 2],
    ]);
    const otherDone = ITEMS.filter((i) => i !== 3).map((i) => rowsOf(`post[${i}]`));
    expect(otherDone.every((r) => r.length === 1 && r[0][0] === 'succeeded' && r[0][1] === 1)).toBe(true);
    // most of the others finished before the limited lane's retry did
    const retried = rowsOf('post[3]')[1][2];
    expect(otherDone.filter((r) => r[0][2] < retried).length).toBeGreaterThanOrEqual(5);
  }, 60_000);
});
