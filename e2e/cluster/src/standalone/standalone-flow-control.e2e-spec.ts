import { Client } from 'pg';
import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { waitFor } from '@junction/shared/testing';
import { Cluster } from '../cluster-harness';

/**
 * Keyed flow control in the standalone process (the embedded Postgres queue brings the events; jobs
 * are claimed from Postgres as in the cluster): per-key concurrency, throttle, debounce and priority
 * through real webhooks, measured by the sink and the jobs API.
 */
describe('standalone: keyed flow control', () => {
  const cluster = Cluster.inMode('standalone', undefined, { EXECUTOR_POLL_INTERVAL_MS: '100' });
  const sink = new FakeThirdParty();

  beforeAll(async () => {
    await sink.start();
    await cluster.start([]);
  }, 180_000);

  afterAll(async () => {
    await cluster.stop();
    await sink.close();
  }, 60_000);

  const hookOf = async (name: string, path: string, settings: Record<string, unknown>) => (await flowRecipe(cluster, sink, name, path, settings)).hook;

  it('runs one job at a time per customer, customers side by side', async () => {
    for (const c of ['acme', 'globex']) sink.on('POST', `/sa-conc/${c}`, { delayMs: 200, json: { ok: true } });
    const hook = await hookOf('sa-per-customer', '/sa-conc/{{ trigger.body.customer }}', { concurrency: { limit: 1, key: '{{ trigger.body.customer }}' } });
    for (let i = 0; i < 5; i++) for (const customer of ['acme', 'globex']) await send(hook, { customer, i });
    await waitFor(async () => sink.requestsTo('/sa-conc/acme').length === 5 && sink.requestsTo('/sa-conc/globex').length === 5, 60_000, 200);
    expect(sink.concurrency('/sa-conc/acme').peak).toBe(1);
    expect(sink.concurrency('/sa-conc/globex').peak).toBe(1);
  }, 90_000);

  it('starts at most `limit` jobs per period per key, the rest later and none dropped, within 10% of the rate; another key is not held back', async () => {
    sink.on('POST', '/sa-throttle/a1', { json: { ok: true } });
    sink.on('POST', '/sa-throttle/a2', { json: { ok: true } });
    const { id, hook } = await flowRecipe(cluster, sink, 'sa-throttled', '/sa-throttle/{{ trigger.body.account }}', {
      throttle: { limit: 4, period: '2s', key: '{{ trigger.body.account }}' },
    });
    // sent at once, so a backlog forms and the throttle, not the arrival of the webhooks, sets the pace
    await Promise.all([...Array.from({ length: 12 }, (_, i) => send(hook, { account: 'a1', i })), ...Array.from({ length: 4 }, (_, i) => send(hook, { account: 'a2', i }))]);
    await waitFor(async () => sink.requestsTo('/sa-throttle/a1').length === 12 && sink.requestsTo('/sa-throttle/a2').length === 4, 60_000, 100);
    const jobs = await jobsOf(cluster, id);
    expect(jobs.map((j) => j.status)).toEqual(Array(16).fill('succeeded'));
    // the starts the throttle granted (the embedded Postgres' clock): the calls follow each by the time of
    // driving, which a loaded machine stretches unevenly, so neither the calls' arrival nor the claim is the measure
    const db = new Client({ connectionString: cluster.databaseUrl('executor') });
    await db.connect();
    const startsOf = async (account: string) => {
      const rows = await db.query(`SELECT throttle_passed_at AS at FROM jobs WHERE recipe_id = $1 AND trigger->'body'->>'account' = $2 ORDER BY throttle_passed_at`, [id, account]);
      return rows.rows.map((row: { at: Date }) => row.at.getTime());
    };
    const a1 = await startsOf('a1');
    const a2 = await startsOf('a2');
    await db.end();
    expect(a1).toHaveLength(12);
    // no 2 s window holds more than 4 starts of a1 (1999: the timestamps' microseconds are cut to ms); a period
    // of 2 s rather than 1 s: each window's wake-up and claim (one process doing everything on a shared machine)
    // weighs half as much in the measured rate
    for (let i = 4; i < a1.length; i++) expect(a1[i] - a1[i - 4]).toBeGreaterThanOrEqual(1999);
    const rate = (a1.length / (a1[a1.length - 1] - a1[0] + 2000)) * 2000;
    expect(Math.abs(rate - 4) / 4).toBeLessThanOrEqual(0.1);
    // a2's 4 fit in its own window: they started together, not after a1's queue
    expect(a2).toHaveLength(4);
    expect(a2[3] - a2[0]).toBeLessThan(2000);
    expect(a2[0]).toBeLessThan(a1[a1.length - 1]);
  }, 90_000);

  it('turns a burst of 50 webhooks for one key into one call with the last payload', async () => {
    sink.on('POST', '/sa-debounce', { json: { ok: true } });
    const hook = await hookOf('sa-debounced', '/sa-debounce', { debounce: { period: '1s', key: '{{ trigger.body.order }}' } });
    for (let seq = 1; seq <= 50; seq++) await send(hook, { order: 'o-1', seq });
    await waitFor(async () => sink.requestsTo('/sa-debounce').length > 0, 30_000, 100);
    await new Promise((r) => setTimeout(r, 2_000)); // nothing more comes
    expect(sink.requestsTo('/sa-debounce').map((q) => q.json)).toEqual([{ order: 'o-1', seq: 50 }]);
  }, 90_000);
});

describe('standalone: priority with one job at a time', () => {
  const cluster = Cluster.inMode('standalone', undefined, { EXECUTOR_POLL_INTERVAL_MS: '100', EXECUTOR_MAX_ACTIVE_JOBS: '1' });
  const sink = new FakeThirdParty();

  beforeAll(async () => {
    await sink.start();
    await cluster.start([]);
  }, 180_000);

  afterAll(async () => {
    await cluster.stop();
    await sink.close();
  }, 60_000);

  it('claims the queued jobs of the higher priority first, whatever order they came in', async () => {
    sink.on('POST', '/sa-prio-block', { delayMs: 4_000, json: { ok: true } });
    sink.on('POST', '/sa-prio', { json: { ok: true } });
    const blocker = await flowRecipe(cluster, sink, 'sa-blocker', '/sa-prio-block', {});
    const low = await flowRecipe(cluster, sink, 'sa-low', '/sa-prio', { priority: 1 });
    const high = await flowRecipe(cluster, sink, 'sa-high', '/sa-prio', { priority: 5 });
    // the one job slot busy, so the others queue up: the low ones first
    await send(blocker.hook, { b: 1 });
    await waitFor(async () => sink.requestsTo('/sa-prio-block').length === 1, 30_000, 50);
    for (let i = 1; i <= 3; i++) await send(low.hook, { label: `low-${i}` });
    for (let i = 1; i <= 3; i++) await send(high.hook, { label: `high-${i}` });
    // all six are queued while the blocker still holds the slot: the claim that follows chooses among them
    await waitFor(async () => (await jobsOf(cluster, low.id)).length === 3 && (await jobsOf(cluster, high.id)).length === 3, 30_000, 50);
    expect((await jobsOf(cluster, blocker.id)).map((j) => j.status)).toEqual(['running']);
    expect(sink.requestsTo('/sa-prio')).toEqual([]);
    await waitFor(async () => sink.requestsTo('/sa-prio').length === 6, 60_000, 100);
    const arrived = sink.requestsTo('/sa-prio').map((q) => (q.json as { label: string }).label);
    expect(arrived.slice(0, 3).sort()).toEqual(['high-1', 'high-2', 'high-3']);
    expect(arrived.slice(3).sort()).toEqual(['low-1', 'low-2', 'low-3']);
    // the jobs API agrees: every high job started before any low one
    const started = async (id: string) => (await jobsOf(cluster, id)).map((j) => Date.parse(j.startedAt));
    expect(Math.max(...(await started(high.id)))).toBeLessThan(Math.min(...(await started(low.id))));
  }, 90_000);
});

/** A running webhook recipe that posts its trigger's body to `path` on the sink, with these settings. */
async function flowRecipe(cluster: Cluster, sink: FakeThirdParty, name: string, path: string, settings: Record<string, unknown>): Promise<{ id: string; hook: string }> {
  const created = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
    name,
    trigger: { type: 'webhook' },
    steps: [{ id: 'call', action: 'http.request', input: { method: 'POST', url: `${sink.url}${path}`, body: '{{ trigger.body }}' } }],
    settings,
  });
  if (created.status !== 201) throw new Error(`recipe refused: ${created.status} ${JSON.stringify(created.body)}`);
  return { id: created.body.id, hook: await cluster.startHook(created.body.id) };
}

async function send(hook: string, body: unknown): Promise<void> {
  const answer = await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(answer.status).toBe(202);
}

interface FlowJob {
  id: string;
  status: string;
  startedAt: string;
}

/** Every job of a recipe as `GET /v1/jobs/:id` shows it (with its start time). */
async function jobsOf(cluster: Cluster, recipeId: string): Promise<FlowJob[]> {
  const list = await cluster.call<{ items: { id: string }[] }>('GET', `/v1/jobs?recipeId=${recipeId}&limit=100`);
  return Promise.all(list.body.items.map(async (j) => (await cluster.call<FlowJob>('GET', `/v1/jobs/${j.id}`)).body));
}
