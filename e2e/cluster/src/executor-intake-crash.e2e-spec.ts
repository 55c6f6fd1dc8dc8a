import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { TRIGGER_INTAKE_DURABLE, TriggerStream } from '@junction/executor/contracts';
import { Namespace } from '@junction/platform/ports';
import { waitFor } from '@junction/shared/testing';
import { ExecutorCluster, postTo } from './executor-harness';

const WS = 'ws_intake_crash';

/**
 * #19: a trigger event's job is committed without waiting for its WAL flush, and the event is acked
 * only once a later synchronous commit flushed it. The executor is killed (SIGKILL) with jobs stored
 * and their events not acked yet (EXECUTOR_DURABLE_FLUSH_WAIT_MS holds the ack up to a minute when
 * no other commit comes): JetStream redelivers them to the next executor, their dedupe keys absorb
 * the repeats, and every event still ends as exactly one job whose call went out once.
 */
describe('executor: killed between storing a job and acking its event', () => {
  const cluster = new ExecutorCluster(new FakeThirdParty(), { EXECUTOR_LEASE_MS: '2000', EXECUTOR_POLL_INTERVAL_MS: '200', EXECUTOR_DURABLE_FLUSH_WAIT_MS: '60000' });
  const hits = new Map<string, number>();

  beforeAll(() => cluster.start(), 90_000);
  afterAll(() => cluster.close(), 60_000);

  it('redelivers the events stored but not acked, and makes and runs each job once', async () => {
    cluster.sink.on('POST', '/call', (req) => {
      const n = String((req.json as { n?: unknown } | undefined)?.n);
      hits.set(n, (hits.get(n) ?? 0) + 1);
      // the first job holds the recipe's only slot until after the kill
      return { status: 200, json: { ok: true }, delayMs: n === '0' ? 5_000 : 0 };
    });
    const recipe = await cluster.runningRecipe(WS, {
      name: 'one at a time',
      trigger: { type: 'webhook' },
      steps: [{ id: 'call', ...postTo(cluster.sink.url, '/call', { n: '{{ trigger.body.n }}' }) }],
      settings: { concurrency: 1 },
    });
    const ns = new Namespace(cluster.namespace);
    const jsm = await cluster.nc.jetstreamManager();
    const info = () => jsm.consumers.info(ns.stream(TriggerStream.name), ns.consumer(TRIGGER_INTAKE_DURABLE));

    await cluster.publish(recipe, WS, 'e-0', { n: 0 });
    await waitFor(async () => hits.get('0') === 1, 20_000, 20);
    await Promise.all(Array.from({ length: 9 }, (_, i) => cluster.publish(recipe, WS, `e-${i + 1}`, { n: i + 1 })));
    // stored (queued behind the first job), and not acked: no synchronous commit has flushed them yet
    await waitFor(async () => (await cluster.count(`SELECT count(*) AS n FROM jobs WHERE recipe_id = $1 AND status = 'queued'`, [recipe.id])) === 9, 20_000, 20);
    const before = await info();
    expect(before.num_ack_pending).toBe(9);

    const [victim] = cluster.executors;
    await victim.kill();
    cluster.retired.push(victim);
    cluster.executors = [await cluster.startExecutor({ EXECUTOR_DURABLE_FLUSH_WAIT_MS: '20' })];

    const succeeded = () => cluster.count(`SELECT count(*) AS n FROM jobs WHERE recipe_id = $1 AND status = 'succeeded'`, [recipe.id]);
    await waitFor(async () => (await succeeded()) === 10, 60_000, 100);
    // the nine events come again after the consumer's ack wait (each delivery moves the consumer's
    // sequence on), and make nothing new
    const after = await waitFor(
      async () => {
        const i = await info();
        return i.num_ack_pending === 0 && i.num_pending === 0 && i.delivered.consumer_seq >= before.delivered.consumer_seq + 9 && i;
      },
      60_000,
      200,
    );
    expect(after.ack_floor.stream_seq).toBe(after.delivered.stream_seq);

    const jobs = await cluster.jobsOf(recipe.id);
    expect(jobs.map((j) => j.dedupe_key).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `e-${i}`).sort());
    expect(jobs.every((j) => j.status === 'succeeded')).toBe(true);
    // each stored job's call went out once; the first one, cut by the kill mid-call, at most once more
    for (let n = 1; n < 10; n++) expect(hits.get(String(n))).toBe(1);
    expect(hits.get('0')).toBeLessThanOrEqual(2);
  }, 150_000);
});
