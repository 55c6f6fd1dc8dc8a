import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { DeliverEvent } from '@junction/executor/contracts';
import { waitFor } from '@junction/shared/testing';
import { ExecutorCluster, postTo } from './executor-harness';

const WS = 'ws_wait_for';
const JOBS = 1_000;

/**
 * waitFor at scale (#16.2), cluster mode: 1,000 webhook jobs asleep on `order.paid` (one key each)
 * hold no worker and no lease; the executor is SIGKILLed and a new one started; an event for each
 * key then resumes every job exactly once (the sink counts the call after the wait per key), and
 * a repeat of every event id resumes nothing. The waits are rows, not timers: the new process
 * finds them all. (Both modes through the public API, the early event and the timeout caught by a
 * `try`: wait-for.e2e-spec.ts.)
 */
describe('executor: 1,000 jobs waiting for events across a SIGKILL', () => {
  const cluster = new ExecutorCluster(new FakeThirdParty(), {
    EXECUTOR_LEASE_MS: '3000',
    EXECUTOR_POLL_INTERVAL_MS: '200',
    EXECUTOR_MAX_ACTIVE_JOBS: '256',
  });
  const resumedKeys = () => cluster.sink.requestsTo('/resumed').map((r) => (r.json as { order: string }).order);

  beforeAll(() => cluster.start(), 90_000);
  afterAll(() => cluster.close(), 60_000);

  it('resumes each of 1,000 waiting jobs exactly once after the executor was killed and restarted', async () => {
    cluster.sink.on('POST', '/resumed', () => ({ status: 200, json: { ok: true } }));
    const recipe = await cluster.runningRecipe(WS, {
      name: 'wait for payment',
      trigger: { type: 'webhook' },
      steps: [
        { id: 'paid', waitFor: { event: 'order.paid', key: '{{ trigger.body.order }}', timeout: '1h' } },
        { id: 'ship', ...postTo(cluster.sink.url, '/resumed', { order: '{{ steps.paid.key }}', amount: '{{ steps.paid.data.amount }}', event: '{{ steps.paid.id }}' }) },
      ],
    });
    const orders = Array.from({ length: JOBS }, (_, i) => `ord_${i}`);
    for (let i = 0; i < orders.length; i += 100) await Promise.all(orders.slice(i, i + 100).map((order) => cluster.publish(recipe, WS, order, { order })));

    // every job reached its wait: a wait row each, no lease held, asleep until its timeout
    await waitFor(async () => (await cluster.count(`SELECT count(*) AS n FROM job_waits WHERE event_seq IS NULL`)) === JOBS, 240_000, 500);
    await waitFor(
      async () => (await cluster.count(`SELECT count(*) AS n FROM jobs WHERE status = 'running' AND lease_owner IS NULL AND wake_at > now() + interval '50 minutes'`)) === JOBS,
      30_000,
      250,
    );
    expect(cluster.sink.requestsTo('/resumed')).toHaveLength(0);

    const [victim] = cluster.executors;
    await victim.kill();
    cluster.retired.push(victim);
    cluster.executors = [await cluster.startExecutor()];

    // the events, through the executor's subject as the gateway's POST /v1/events sends them
    let resumed = 0;
    for (let i = 0; i < orders.length; i += 50) {
      const outcomes = await Promise.all(
        orders
          .slice(i, i + 50)
          .map((order, j) => cluster.bus.request(DeliverEvent, { workspaceId: WS, name: 'order.paid', key: order, id: `evt_${order}`, data: { amount: i + j } })),
      );
      resumed += outcomes.reduce((n, o) => n + o.resumed, 0);
    }
    expect(resumed).toBe(JOBS);
    await waitFor(async () => (await cluster.count(`SELECT count(*) AS n FROM jobs WHERE recipe_id = $1 AND status = 'succeeded'`, [recipe.id])) === JOBS, 240_000, 500);

    // each exactly once, with its own event
    const keys = resumedKeys();
    expect(keys).toHaveLength(JOBS);
    expect(new Set(keys).size).toBe(JOBS);
    const byOrder = new Map(cluster.sink.requestsTo('/resumed').map((r) => [(r.json as { order: string }).order, r.json as { amount: number; event: string }]));
    expect(byOrder.get('ord_7')).toEqual({ order: 'ord_7', amount: 7, event: 'evt_ord_7' });

    // the same events again: duplicates, nothing resumes twice
    const again = await Promise.all(
      orders.slice(0, 100).map((order) => cluster.bus.request(DeliverEvent, { workspaceId: WS, name: 'order.paid', key: order, id: `evt_${order}`, data: {} })),
    );
    expect(again.every((o) => o.duplicate && o.resumed === 0)).toBe(true);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(cluster.sink.requestsTo('/resumed')).toHaveLength(JOBS);
  }, 600_000);
});
