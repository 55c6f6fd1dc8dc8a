import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { waitFor } from '@junction/shared/testing';
import { ExecutorCluster } from './executor-harness';

const WS = 'ws_flow';

/**
 * Keyed flow control with two executor replicas over one Postgres: per-key concurrency measured
 * by the sink's overlap per key (one path per key), throttle's rate per key, debounce's burst.
 */
describe('executor: keyed flow control with two replicas', () => {
  const sink = new FakeThirdParty();
  const cluster = new ExecutorCluster(sink, { EXECUTOR_POLL_INTERVAL_MS: '100' });
  let n = 0;

  beforeAll(async () => {
    await cluster.start();
    cluster.executors.push(await cluster.startExecutor());
  }, 180_000);

  afterAll(() => cluster.close(), 60_000);

  const recipe = (name: string, path: string, settings: Record<string, unknown>) =>
    cluster.runningRecipe(WS, {
      name,
      trigger: { type: 'webhook' },
      steps: [{ id: 'call', action: 'http.request', input: { method: 'POST', url: `${sink.url}${path}`, body: '{{ trigger.body }}' } }],
      settings,
    });
  const publish = (r: { id: string }, body: Record<string, unknown>) => cluster.publish(r, WS, `k${++n}`, body);
  const statuses = async (recipeId: string) => (await cluster.jobsOf(recipeId)).map((j) => j.status);

  it('never runs more than one job at a time per customer, while customers run side by side; every job succeeds', async () => {
    for (const c of ['acme', 'globex', 'initech']) sink.on('POST', `/conc/${c}`, { delayMs: 200, json: { ok: true } });
    const r = await recipe('per-customer', '/conc/{{ trigger.body.customer }}', { concurrency: { limit: 1, key: '{{ trigger.body.customer }}' } });
    for (let i = 0; i < 6; i++) for (const customer of ['acme', 'globex', 'initech']) await publish(r, { customer, i });
    await waitFor(async () => (await statuses(r.id)).filter((s) => s === 'succeeded').length === 18, 60_000, 200);
    for (const c of ['acme', 'globex', 'initech']) {
      expect(sink.requestsTo(`/conc/${c}`)).toHaveLength(6);
      expect(sink.concurrency(`/conc/${c}`).peak).toBe(1);
    }
    // the keys overlapped each other: 18 calls of 200 ms took well under 18 × 200 ms
    const times = ['acme', 'globex', 'initech'].flatMap((c) => sink.requestsTo(`/conc/${c}`).map((q) => q.at));
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(18 * 200);
  }, 90_000);

  it('starts at most `limit` jobs per period per key, the rest later, within 10% of the rate', async () => {
    sink.on('POST', '/throttle', { json: { ok: true } });
    const r = await recipe('throttled', '/throttle', { throttle: { limit: 4, period: '1s', key: '{{ trigger.body.account }}' } });
    for (let i = 0; i < 12; i++) await publish(r, { account: 'a1', i });
    await waitFor(async () => (await statuses(r.id)).filter((s) => s === 'succeeded').length === 12, 60_000, 200);
    expect(sink.requestsTo('/throttle')).toHaveLength(12);
    // the starts the throttle granted (Postgres' clock, one for both replicas): the call follows each by the
    // time of driving, which a loaded machine stretches unevenly, so the calls' arrival is not the measure
    const times = (await cluster.db.query(`SELECT throttle_passed_at AS at FROM jobs WHERE recipe_id = $1 ORDER BY throttle_passed_at`, [r.id])).rows.map((row: { at: Date }) =>
      row.at.getTime(),
    );
    expect(times).toHaveLength(12);
    // no 1 s window holds more than 4 starts (999: the timestamps' microseconds are cut to ms)
    for (let i = 4; i < times.length; i++) expect(times[i] - times[i - 4]).toBeGreaterThanOrEqual(999);
    const rate = (times.length / (times[times.length - 1] - times[0] + 1000)) * 1000;
    expect(Math.abs(rate - 4) / 4).toBeLessThanOrEqual(0.1);
  }, 90_000);

  it('turns a burst of 50 events for one key into one job with the last payload', async () => {
    sink.on('POST', '/debounce', { json: { ok: true } });
    const r = await recipe('debounced', '/debounce', { debounce: { period: '1s', key: '{{ trigger.body.order }}' } });
    // a few ms apart: events are ordered by when the ingress received them
    for (let seq = 1; seq <= 50; seq++) {
      await publish(r, { order: 'o-1', seq });
      await new Promise((done) => setTimeout(done, 3));
    }
    await waitFor(async () => (await statuses(r.id)).filter((s) => s === 'succeeded' || s === 'cancelled').length === 50, 60_000, 200);
    const jobs = await cluster.jobsOf(r.id);
    expect(jobs.filter((j) => j.status === 'succeeded')).toHaveLength(1);
    expect(jobs.filter((j) => j.status === 'cancelled' && (j.error as { kind?: string }).kind === 'debounced')).toHaveLength(49);
    expect(sink.requestsTo('/debounce').map((q) => q.json)).toEqual([{ order: 'o-1', seq: 50 }]);
  }, 90_000);
});

describe('executor: priority with two replicas of one job each', () => {
  const sink = new FakeThirdParty();
  const cluster = new ExecutorCluster(sink, { EXECUTOR_POLL_INTERVAL_MS: '100', EXECUTOR_MAX_ACTIVE_JOBS: '1' });
  let n = 0;

  beforeAll(async () => {
    await cluster.start();
    cluster.executors.push(await cluster.startExecutor());
  }, 180_000);

  afterAll(() => cluster.close(), 60_000);

  const recipe = (name: string, path: string, settings: Record<string, unknown> = {}) =>
    cluster.runningRecipe(WS, {
      name,
      trigger: { type: 'webhook' },
      steps: [{ id: 'call', action: 'http.request', input: { method: 'POST', url: `${sink.url}${path}`, body: '{{ trigger.body }}' } }],
      settings,
    });
  const publish = (r: { id: string }, body: Record<string, unknown>) => cluster.publish(r, WS, `p${++n}`, body);

  it('claims the queued jobs of the higher priority first, whatever order they came in', async () => {
    sink.on('POST', '/prio-block', { delayMs: 2_000, json: { ok: true } });
    sink.on('POST', '/prio', { json: { ok: true } });
    const blocker = await recipe('blocker', '/prio-block');
    const low = await recipe('low', '/prio', { priority: 1 });
    const high = await recipe('high', '/prio', { priority: 5 });
    // both replicas busy with one job each, so the others queue up
    await publish(blocker, { b: 1 });
    await publish(blocker, { b: 2 });
    await waitFor(async () => sink.requestsTo('/prio-block').length === 2, 30_000, 50);
    for (let i = 1; i <= 3; i++) await publish(low, { label: `low-${i}` });
    for (let i = 1; i <= 3; i++) await publish(high, { label: `high-${i}` });
    await waitFor(async () => sink.requestsTo('/prio').length === 6, 60_000, 100);
    const claimed = (await cluster.db.query(`SELECT trigger->'body'->>'label' AS label FROM jobs WHERE recipe_id = ANY($1) ORDER BY started_at, id`, [[low.id, high.id]])).rows.map(
      (r: { label: string }) => r.label,
    );
    expect(claimed.slice(0, 3).sort()).toEqual(['high-1', 'high-2', 'high-3']);
    expect(claimed.slice(3).sort()).toEqual(['low-1', 'low-2', 'low-3']);
  }, 90_000);
});
