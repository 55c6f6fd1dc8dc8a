import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { waitFor } from '@junction/shared/testing';
import { ExecutorCluster, postTo } from './executor-harness';

const WS = 'ws_crash';

/**
 * Guarantees 1 and 3 under SIGKILL: the executor process dies with jobs mid-call; a new one
 * re-drives them from their checkpoints once their leases run out.
 */
describe('executor: kills, graceful stops and replicas', () => {
  // short leases so the orphaned jobs are taken over within seconds
  const cluster = new ExecutorCluster(new FakeThirdParty(), { EXECUTOR_LEASE_MS: '2000', EXECUTOR_POLL_INTERVAL_MS: '200' });
  const hits = new Map<string, number[]>();
  const record = (path: string) => (req: { headers: Record<string, string | string[] | undefined> }) => {
    const key = `${path} ${String(req.headers['idempotency-key'])}`;
    hits.set(key, [...(hits.get(key) ?? []), Date.now()]);
  };

  beforeAll(() => cluster.start(), 90_000);
  afterAll(() => cluster.close(), 60_000);

  it('ends every accepted event as exactly one succeeded job, and never repeats a completed step', async () => {
    cluster.sink.on('POST', '/slow', (req) => {
      record('/slow')(req);
      return { status: 200, json: { ok: true }, delayMs: 300 };
    });
    cluster.sink.on('POST', '/after', (req) => {
      record('/after')(req);
      return { status: 200, json: { ok: true } };
    });
    const recipe = await cluster.runningRecipe(WS, {
      name: 'slow sink',
      trigger: { type: 'webhook' },
      steps: [
        { id: 'map', set: { n: '{{ trigger.body.n }}' } },
        { id: 'slow', ...postTo(cluster.sink.url, '/slow', { n: '{{ vars.n }}' }) },
        { id: 'after', ...postTo(cluster.sink.url, '/after', { n: '{{ vars.n }}', slow: '{{ steps.slow.status }}' }) },
      ],
      settings: { concurrency: 12 },
    });
    const succeeded = () => cluster.count(`SELECT count(*) AS n FROM jobs WHERE recipe_id = $1 AND status = 'succeeded'`, [recipe.id]);

    await Promise.all(Array.from({ length: 200 }, (_, i) => cluster.publish(recipe, WS, `e-${i}`, { n: i })));
    await waitFor(async () => (await succeeded()) >= 40, 30_000, 20);
    const [victim] = cluster.executors;
    await victim.kill();
    const killedAt = Date.now();
    cluster.retired.push(victim);
    const doneAtKill = await succeeded();
    const inFlightAtKill = [...hits.entries()].filter(([k]) => k.startsWith('/slow')).length - doneAtKill;
    expect(doneAtKill).toBeLessThan(200);

    // accepted while no executor runs: JetStream keeps them
    await Promise.all(Array.from({ length: 50 }, (_, i) => cluster.publish(recipe, WS, `late-${i}`, { n: 1000 + i })));
    cluster.executors = [await cluster.startExecutor()];

    await waitFor(async () => (await succeeded()) === 250, 60_000, 200);
    const recovered = (Date.now() - killedAt) / 1000;
    console.log(`killed with ${doneAtKill}/200 done and ~${inFlightAtKill} in flight; all 250 succeeded ${recovered.toFixed(1)} s after the kill`);

    const jobs = await cluster.jobsOf(recipe.id);
    expect(jobs).toHaveLength(250);
    expect(new Set(jobs.map((j) => j.dedupe_key)).size).toBe(250);
    expect(jobs.every((j) => j.status === 'succeeded')).toBe(true);

    // each job's steps were checkpointed once each
    const rows = (
      await cluster.db.query(
        `SELECT j.id, s.step_id, count(*)::int AS n, max(s.finished_at) AS finished_at
         FROM jobs j JOIN job_steps s ON s.job_id = j.id WHERE j.recipe_id = $1 AND s.status = 'succeeded' GROUP BY j.id, s.step_id`,
        [recipe.id],
      )
    ).rows as { id: string; step_id: string; n: number; finished_at: Date }[];
    expect(rows).toHaveLength(750);
    expect(rows.every((r) => r.n === 1)).toBe(true);

    // every call reached the sink; a key called twice was a step cut by the kill (re-sent with the same
    // idempotency key), never a step already checkpointed as done
    const jobIds = new Set(jobs.map((j) => j.id));
    const keys = [...hits.keys()];
    expect(keys.filter((k) => k.startsWith('/slow'))).toHaveLength(250);
    expect(keys.filter((k) => k.startsWith('/after'))).toHaveLength(250);
    expect(keys.every((k) => jobIds.has(k.split(' ')[1].split(':')[0]))).toBe(true);
    const finishedAt = new Map(rows.map((r) => [`${r.id}:${r.step_id}`, new Date(r.finished_at).getTime()]));
    const repeated = [...hits.entries()].filter(([, times]) => times.length > 1);
    for (const [key, times] of repeated) {
      const [, idem] = key.split(' ');
      const [jobId, stepKey] = idem.split(':');
      expect(times.length).toBe(2);
      expect(times[0]).toBeLessThan(killedAt);
      expect(finishedAt.get(`${jobId}:${stepKey}`)).toBeGreaterThan(killedAt);
    }
    expect(repeated.length).toBeLessThanOrEqual(12); // at most the recipe's concurrency was mid-call
    console.log(`${repeated.length} calls cut by the kill were re-sent with their idempotency key`);
  }, 120_000);

  it('on SIGTERM finishes the calls in hand, hands the leases back, and repeats nothing', async () => {
    hits.clear();
    const recipe = await cluster.runningRecipe(WS, {
      name: 'graceful',
      trigger: { type: 'webhook' },
      steps: [
        { id: 'slow', ...postTo(cluster.sink.url, '/slow', { n: '{{ trigger.body.n }}' }) },
        { id: 'after', ...postTo(cluster.sink.url, '/after', { n: '{{ trigger.body.n }}' }) },
      ],
      settings: { concurrency: 12 },
    });
    const succeeded = () => cluster.count(`SELECT count(*) AS n FROM jobs WHERE recipe_id = $1 AND status = 'succeeded'`, [recipe.id]);
    await Promise.all(Array.from({ length: 100 }, (_, i) => cluster.publish(recipe, WS, `g-${i}`, { n: i })));
    await waitFor(async () => (await succeeded()) >= 20, 30_000, 20);
    const [old] = cluster.executors;
    await old.stop();
    cluster.retired.push(old);
    expect(await cluster.count(`SELECT count(*) AS n FROM jobs WHERE recipe_id = $1 AND lease_owner IS NOT NULL`, [recipe.id])).toBe(0);
    const doneAtStop = await succeeded();
    expect(doneAtStop).toBeLessThan(100);

    cluster.executors = [await cluster.startExecutor()];
    await waitFor(async () => (await succeeded()) === 100, 60_000, 200);
    expect([...hits.values()].filter((times) => times.length > 1)).toHaveLength(0);
    expect(hits.size).toBe(200);
  }, 120_000);

  it('shares the work between two replicas without running any step twice, within the recipe concurrency', async () => {
    hits.clear();
    cluster.executors.push(await cluster.startExecutor());
    let inFlight = 0;
    let peak = 0;
    cluster.sink.on('POST', '/shared', (req) => {
      record('/shared')(req);
      inFlight++;
      peak = Math.max(peak, inFlight);
      setTimeout(() => inFlight--, 50);
      return { status: 200, json: {}, delayMs: 50 };
    });
    const recipe = await cluster.runningRecipe(WS, {
      name: 'shared',
      trigger: { type: 'webhook' },
      steps: [{ id: 'post', ...postTo(cluster.sink.url, '/shared', { n: '{{ trigger.body.n }}' }) }],
      settings: { concurrency: 8 },
    });
    await Promise.all(Array.from({ length: 200 }, (_, i) => cluster.publish(recipe, WS, `s-${i}`, { n: i })));
    await waitFor(async () => (await cluster.count(`SELECT count(*) AS n FROM jobs WHERE recipe_id = $1 AND status = 'succeeded'`, [recipe.id])) === 200, 60_000, 100);
    expect(hits.size).toBe(200);
    expect([...hits.values()].every((times) => times.length === 1)).toBe(true);
    expect(peak).toBeLessThanOrEqual(8);
  }, 90_000);
});
