import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { CreateRecipe, StartRecipe, StopRecipe } from '@junction/executor/contracts';
import { dropDatabase } from '@junction/platform/database';
import { TEST_SERVERS, startServiceProcess, waitFor, type ServiceProcess } from '@junction/shared/testing';
import { ExecutorCluster, postTo } from './executor-harness';

const WS = 'ws_sched';

/** A schedule recipe: start registers its cron with the scheduler; every tick becomes one job. */
describe('executor: schedule recipes through the scheduler service', () => {
  const cluster = new ExecutorCluster(new FakeThirdParty());
  let scheduler: ServiceProcess;

  beforeAll(async () => {
    await cluster.start();
    scheduler = await startServiceProcess('scheduler', { ...cluster.base, SCHEDULER_POLL_INTERVAL_MS: '100' });
  }, 90_000);

  afterAll(async () => {
    await scheduler?.stop();
    await cluster.close();
    await dropDatabase(TEST_SERVERS.postgres, `${cluster.namespace}_scheduler`);
    await cluster.nc
      ?.jetstreamManager()
      .then((jsm) => jsm.streams.delete(`${cluster.namespace.toUpperCase()}_SCHEDULER`))
      .catch(() => undefined);
  }, 60_000);

  it('runs one job per tick while started, none after stop', async () => {
    cluster.sink.on('POST', '/tick', { status: 200, json: {} });
    const created = await cluster.bus.request(CreateRecipe, {
      workspaceId: WS,
      definition: {
        name: 'every second',
        trigger: { type: 'schedule', cron: '* * * * * *' },
        steps: [{ id: 'ping', ...postTo(cluster.sink.url, '/tick', { at: '{{ trigger.scheduledAt }}' }) }],
      },
    });
    await cluster.bus.request(StartRecipe, { workspaceId: WS, id: created.id });
    await waitFor(async () => (await cluster.count(`SELECT count(*) AS n FROM jobs WHERE recipe_id = $1 AND status = 'succeeded'`, [created.id])) >= 3, 15_000);
    await cluster.bus.request(StopRecipe, { workspaceId: WS, id: created.id });
    await new Promise((r) => setTimeout(r, 500));
    const jobs = await cluster.count(`SELECT count(*) AS n FROM jobs WHERE recipe_id = $1`, [created.id]);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await cluster.count(`SELECT count(*) AS n FROM jobs WHERE recipe_id = $1`, [created.id])).toBe(jobs);

    const ats = cluster.sink.requestsTo('/tick').map((r) => (r.json as { at: string }).at);
    expect(new Set(ats).size).toBe(ats.length); // one job per tick instant
    expect(ats.every((at) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/.test(at))).toBe(true);
    const kinds = (await cluster.db.query(`SELECT DISTINCT trigger_kind FROM jobs WHERE recipe_id = $1`, [created.id])).rows;
    expect(kinds).toEqual([{ trigger_kind: 'schedule' }]);
  }, 40_000);
});
