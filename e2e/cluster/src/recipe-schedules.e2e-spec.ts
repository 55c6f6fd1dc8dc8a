import { Client } from 'pg';
import { AuditEventRecorded, AuditStream, type AuditEventPayload } from '@junction/audit/contracts';
import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { CreateRecipe, DeleteRecipe, GetRecipe, StartRecipe, StopRecipe, UpdateRecipe } from '@junction/executor/contracts';
import { databaseUrl, dropDatabase } from '@junction/platform/database';
import type { Closable } from '@junction/platform/ports';
import { TEST_SERVERS, startServiceProcess, waitFor, type ServiceProcess } from '@junction/shared/testing';
import { ExecutorCluster, postTo } from './executor-harness';

const WS = 'ws_sched_misfire';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Schedule and poll recipes through the real scheduler, executor and connectors processes: the
 * recipe's misfire policy reaches the scheduler, a scheduler outage is caught up within the bound
 * and audited, the recipe view shows where its schedule stands, and a poll keeps its cursor over
 * stop → start and a new version.
 */
describe('recipes: misfire policy, schedule status and poll cursors', () => {
  const cluster = new ExecutorCluster(new FakeThirdParty());
  const schedulerEnv = () => ({ ...cluster.base, SCHEDULER_POLL_INTERVAL_MS: '100', SCHEDULER_MISFIRE_GRACE_MS: '1000' });
  let scheduler: ServiceProcess;
  let schedulerDb: Client;
  let auditSubscription: Closable;
  const audits: AuditEventPayload[] = [];

  beforeAll(async () => {
    await cluster.start();
    scheduler = await startServiceProcess('scheduler', schedulerEnv());
    schedulerDb = new Client({ connectionString: databaseUrl(TEST_SERVERS.postgres, `${cluster.namespace}_scheduler`) });
    await schedulerDb.connect();
    await cluster.queue.ensureStream(AuditStream);
    auditSubscription = await cluster.queue.consume(
      AuditEventRecorded,
      async (payload) => {
        audits.push(payload);
      },
      { durable: 'recipe-schedules-observer', concurrency: 4, ackWaitMs: 30_000 },
    );
  }, 90_000);

  afterAll(async () => {
    await auditSubscription?.close();
    await schedulerDb?.end();
    await scheduler?.stop();
    await cluster.close();
    await dropDatabase(TEST_SERVERS.postgres, `${cluster.namespace}_scheduler`);
    const jsm = await cluster.nc?.jetstreamManager().catch(() => undefined);
    for (const stream of ['SCHEDULER', 'AUDIT']) await jsm?.streams.delete(`${cluster.namespace.toUpperCase()}_${stream}`).catch(() => undefined);
  }, 60_000);

  it('fires at most `max` missed ticks after a scheduler outage, audits it and shows it with nextFireAt on the recipe', async () => {
    cluster.sink.on('POST', '/catchup', { status: 200, json: {} });
    const created = await cluster.bus.request(CreateRecipe, {
      workspaceId: WS,
      definition: {
        name: 'every second, catch up 3',
        trigger: { type: 'schedule', cron: '* * * * * *', misfire: { policy: 'catchUp', max: 3 } },
        steps: [{ id: 'ping', ...postTo(cluster.sink.url, '/catchup', { at: '{{ trigger.scheduledAt }}' }) }],
      },
    });
    await cluster.bus.request(StartRecipe, { workspaceId: WS, id: created.id });
    const running = await cluster.bus.request(GetRecipe, { workspaceId: WS, id: created.id });
    expect(running.schedule?.enabled).toBe(true);
    expect(Date.parse(running.schedule?.nextFireAt ?? '')).toBeGreaterThan(Date.now() - 5000);
    await waitFor(() => cluster.sink.requestsTo('/catchup').length >= 2, 20_000);

    await scheduler.stop();
    const downAt = Date.now();
    await sleep(8000);
    const before = new Set(cluster.sink.requestsTo('/catchup').map((r) => (r.json as { at: string }).at));
    scheduler = await startServiceProcess('scheduler', schedulerEnv());
    const upAt = Date.now();

    await waitFor(async () => (await cluster.bus.request(GetRecipe, { workspaceId: WS, id: created.id })).schedule?.lastMisfire !== undefined, 20_000);
    const view = await cluster.bus.request(GetRecipe, { workspaceId: WS, id: created.id });
    expect(view.schedule?.lastMisfire).toMatchObject({ caughtUp: 3 });
    expect(view.schedule?.lastMisfire?.skipped).toBeGreaterThanOrEqual(1);
    expect(view.schedule?.lastFireAt).toBeDefined();
    expect(Date.parse(view.schedule?.nextFireAt ?? '')).toBeGreaterThan(upAt - 2000);
    expect(view.schedule?.lagMs).toBeGreaterThanOrEqual(0);

    // exactly the bound of the ticks that fell in the outage ran late (the rest were skipped, and said so)
    const outageTicks = async () =>
      cluster.sink
        .requestsTo('/catchup')
        .map((r) => (r.json as { at: string }).at)
        .filter((at) => !before.has(at) && Date.parse(at) > downAt + 1000 && Date.parse(at) < upAt - 2000);
    await waitFor(async () => (await outageTicks()).length >= 3, 20_000);
    await sleep(1000);
    expect(await outageTicks()).toHaveLength(3);

    await waitFor(() => audits.some((a) => a.target.id === created.id && a.action === 'schedule.ticks_skipped'), 15_000);
    const audit = audits.find((a) => a.target.id === created.id && a.action === 'schedule.ticks_skipped');
    expect(audit).toMatchObject({ workspaceId: WS, actor: { type: 'service', id: 'scheduler' }, target: { type: 'recipe', id: created.id } });
    expect(audit?.changes).toMatchObject({ policy: 'catch_up', caughtUp: 3 });

    await cluster.bus.request(StopRecipe, { workspaceId: WS, id: created.id });
    const stopped = await cluster.bus.request(GetRecipe, { workspaceId: WS, id: created.id });
    expect(stopped.schedule).toMatchObject({ enabled: false, lagMs: 0 });
    expect(stopped.schedule?.nextFireAt).toBeUndefined();

    // deleting the stopped recipe removes its disabled schedule
    await cluster.bus.request(DeleteRecipe, { workspaceId: WS, id: created.id });
    expect((await schedulerDb.query(`SELECT 1 FROM schedules WHERE recipe_id = $1`, [created.id])).rowCount).toBe(0);
  }, 120_000);

  it('rejects a misfire policy it cannot honour with 422 naming the field', async () => {
    for (const misfire of [{ policy: 'catchUp' }, { policy: 'catchUp', max: 0 }, { policy: 'catchUp', max: 101 }, { policy: 'skip', max: 3 }, { policy: 'later' }]) {
      await expect(
        cluster.bus.request(CreateRecipe, {
          workspaceId: WS,
          definition: { name: 'bad misfire', trigger: { type: 'schedule', cron: '0 * * * *', misfire }, steps: [] },
        }),
      ).rejects.toMatchObject({ code: 'unprocessable' });
    }
  });

  it('turns a polled API’s new items into jobs and keeps the poll cursor over stop → start and a new version', async () => {
    const items = [{ id: '1' }, { id: '2' }];
    cluster.sink.on('GET', '/items', (req) => ({ status: 200, json: items.filter((i) => req.query.since === undefined || Number(i.id) > Number(req.query.since)) }));
    cluster.sink.on('POST', '/polled', { status: 200, json: {} });
    const definition = (name: string) => ({
      name,
      trigger: { type: 'poll', connector: 'http', trigger: 'new_items', input: { url: `${cluster.sink.url}/items` }, interval: '1s' },
      steps: [{ id: 'ping', ...postTo(cluster.sink.url, '/polled', { id: '{{ trigger.id }}' }) }],
    });
    const created = await cluster.bus.request(CreateRecipe, { workspaceId: WS, definition: definition('poll feed') });
    await cluster.bus.request(StartRecipe, { workspaceId: WS, id: created.id });
    const polledIds = () => cluster.sink.requestsTo('/polled').map((r) => (r.json as { id: string }).id);
    await waitFor(() => polledIds().length >= 2, 30_000);
    expect(polledIds().sort()).toEqual(['1', '2']);
    const cursor = async () =>
      (await schedulerDb.query(`SELECT c.cursor FROM poll_cursors c JOIN schedules s ON s.id = c.schedule_id WHERE s.recipe_id = $1`, [created.id])).rows.map(
        (r: { cursor: unknown }) => r.cursor,
      );
    await waitFor(async () => JSON.stringify(await cursor()) === JSON.stringify([{ value: '2' }]), 10_000);

    await cluster.bus.request(StopRecipe, { workspaceId: WS, id: created.id });
    expect(await cursor()).toEqual([{ value: '2' }]);
    items.push({ id: '3' });
    const getsBefore = cluster.sink.requestsTo('/items').length;
    await cluster.bus.request(StartRecipe, { workspaceId: WS, id: created.id });
    await waitFor(() => polledIds().includes('3'), 30_000);
    // the first poll after the restart asked from the stored cursor, not from the start of the list
    expect(cluster.sink.requestsTo('/items')[getsBefore].query.since).toBe('2');

    // a new version with the same polled source keeps reading after the cursor too
    await cluster.bus.request(UpdateRecipe, { workspaceId: WS, id: created.id, definition: definition('poll feed v2') });
    items.push({ id: '4' });
    await cluster.bus.request(StartRecipe, { workspaceId: WS, id: created.id });
    await waitFor(() => polledIds().includes('4'), 30_000);
    expect(polledIds().sort()).toEqual(['1', '2', '3', '4']);
    const started = await cluster.bus.request(GetRecipe, { workspaceId: WS, id: created.id });
    expect(started.schedule?.enabled).toBe(true);
    expect(started.schedule?.nextFireAt).toBeDefined();

    // a version without a poll removes the schedule and its cursor: nothing polls for it any more
    await cluster.bus.request(UpdateRecipe, { workspaceId: WS, id: created.id, definition: { ...definition('manual now'), trigger: { type: 'manual' } } });
    await cluster.bus.request(StartRecipe, { workspaceId: WS, id: created.id });
    expect(await cursor()).toEqual([]);
    expect((await schedulerDb.query(`SELECT 1 FROM schedules WHERE recipe_id = $1`, [created.id])).rowCount).toBe(0);
    expect((await cluster.bus.request(GetRecipe, { workspaceId: WS, id: created.id })).schedule).toBeUndefined();
  }, 120_000);
});
