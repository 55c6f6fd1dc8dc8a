import { connect, type NatsConnection } from 'nats';
import pino from 'pino';
import { dropDatabase } from '@junction/platform/database';
import { ServiceMetrics } from '@junction/platform/metrics';
import { JetStreamQueue } from '@junction/platform/nats';
import { Namespace, RemoteError } from '@junction/platform/ports';
import { SchedulerStream, TickFired, type TickFiredPayload } from '@junction/scheduler/contracts';
import { ManualClock } from '@junction/scheduler/domain';
import { TEST_SERVERS, uniqueNamespace, waitFor } from '@junction/shared/testing';
import { SchedulerReplica } from './testing/scheduler-replica';
import { StreamCollector } from './testing/stream-collector';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Cron ticks through the real claim → publish → advance path, on a fake clock, with two replicas. */
describe('cron and interval ticks (real Postgres + JetStream, fake clock)', () => {
  const namespace = uniqueNamespace('sch_tick');
  const database = `${namespace}_scheduler`;
  const clock = new ManualClock('2026-03-07T12:00:00Z');
  let a: SchedulerReplica;
  let b: SchedulerReplica;
  let nc: NatsConnection;
  let observer: JetStreamQueue;
  let collector: StreamCollector<TickFiredPayload>;

  const ticksOf = (scheduleId: string) => collector.deliveries.filter((d) => d.payload.scheduleId === scheduleId).map((d) => d.payload.scheduledAt);
  const rowCount = async () => ((await a.dataSource.query('SELECT count(*)::int AS n FROM schedules')) as { n: number }[])[0].n;

  beforeAll(async () => {
    const config = { postgresUrl: TEST_SERVERS.postgres, database, natsUrl: TEST_SERVERS.nats, namespace, clock };
    a = await SchedulerReplica.start({ ...config, options: { replicaId: 'A' } });
    b = await SchedulerReplica.start({ ...config, options: { replicaId: 'B' } });
    nc = await connect({ servers: TEST_SERVERS.nats });
    observer = new JetStreamQueue(nc, await nc.jetstreamManager(), nc.jetstream(), new Namespace(namespace), pino({ level: 'silent' }), new ServiceMetrics('observer'), 1);
    await observer.ensureStream(SchedulerStream);
    collector = await StreamCollector.start(observer, TickFired, 'tick-observer');
  });

  afterEach(async () => {
    await a.dataSource.query('DELETE FROM schedules');
  });

  afterAll(async () => {
    await collector?.close();
    await a?.close();
    await b?.close();
    await observer?.deleteStream(SchedulerStream);
    await nc?.drain();
    await dropDatabase(TEST_SERVERS.postgres, database);
  });

  it('fires a New York 02:30 job once on spring-forward day, from two racing replicas, then catches up within its bound', async () => {
    clock.set('2026-03-07T12:00:00Z');
    const schedule = await a.schedules.upsert({
      workspaceId: 'ws_1',
      recipeId: 'r_daily',
      kind: 'tick',
      cron: { expression: '30 2 * * *', timezone: 'America/New_York' },
      misfire: { policy: 'catch_up', maxCatchUp: 2 },
    });
    // 02:30 does not exist on 8 March 2026 in New York: the tick is 03:00 EDT
    expect(schedule.nextFireAt).toBe('2026-03-08T07:00:00.000Z');

    clock.set('2026-03-08T07:00:00.400Z');
    const claimed = await Promise.all([a.tickFiring.fireDue(), b.tickFiring.fireDue(), a.tickFiring.fireDue()]);
    expect(claimed.reduce((x, y) => x + y, 0)).toBe(1);
    expect((await a.schedules.get({ workspaceId: 'ws_1', recipeId: 'r_daily' })).nextFireAt).toBe('2026-03-09T06:30:00.000Z');

    // down from before 9 March 02:30 until 12 March noon: 9, 10, 11 and 12 March were missed; the bound fires 2
    clock.set('2026-03-12T16:00:00Z');
    expect(await b.tickFiring.fireDue()).toBe(1);
    expect(await a.tickFiring.fireDue()).toBe(0);

    await waitFor(() => ticksOf(schedule.id).length >= 3);
    await sleep(300);
    expect(ticksOf(schedule.id)).toEqual(['2026-03-08T07:00:00.000Z', '2026-03-11T06:30:00.000Z', '2026-03-12T06:30:00.000Z']);
    const first = collector.deliveries.find((d) => d.payload.scheduleId === schedule.id);
    expect(first?.msgId).toBe(`${schedule.id}@2026-03-08T07:00:00.000Z`);
    expect(first?.payload).toMatchObject({ workspaceId: 'ws_1', recipeId: 'r_daily', dedupeKey: first?.msgId });
    expect((await a.schedules.get({ workspaceId: 'ws_1', recipeId: 'r_daily' })).nextFireAt).toBe('2026-03-13T06:30:00.000Z');
  });

  it('skip: after downtime fires nothing missed and resumes at the next future tick', async () => {
    clock.set('2026-06-01T00:00:00Z');
    const schedule = await a.schedules.upsert({ workspaceId: 'ws_1', recipeId: 'r_interval', kind: 'tick', intervalMs: 15 * 60_000 });
    expect(schedule.nextFireAt).toBe('2026-06-01T00:15:00.000Z');
    clock.set('2026-06-01T00:15:00.200Z');
    expect(await a.tickFiring.fireDue()).toBe(1);
    clock.set('2026-06-01T03:07:00Z'); // 00:30 … 03:00 missed
    expect(await a.tickFiring.fireDue()).toBe(1);
    await sleep(300);
    expect(ticksOf(schedule.id)).toEqual(['2026-06-01T00:15:00.000Z']);
    expect((await a.schedules.get({ workspaceId: 'ws_1', recipeId: 'r_interval' })).nextFireAt).toBe('2026-06-01T03:15:00.000Z');
  });

  it('re-sending the same upsert keeps the next tick; changing the spec recomputes it; disabling clears it', async () => {
    clock.set('2026-06-01T08:00:00Z');
    const request = { workspaceId: 'ws_1', recipeId: 'r_edit', kind: 'tick' as const, cron: { expression: '0 9 * * *', timezone: 'Europe/Berlin' } };
    const created = await a.schedules.upsert(request);
    expect(created.nextFireAt).toBe('2026-06-02T07:00:00.000Z');
    clock.set('2026-06-01T09:00:00Z');
    expect((await a.schedules.upsert(request)).nextFireAt).toBe('2026-06-02T07:00:00.000Z');
    const moved = await a.schedules.upsert({ ...request, cron: { expression: '0 12 * * *', timezone: 'Europe/Berlin' } });
    expect(moved).toMatchObject({ id: created.id, nextFireAt: '2026-06-01T10:00:00.000Z' });
    const disabled = await a.schedules.upsert({ ...request, enabled: false });
    expect(disabled.enabled).toBe(false);
    expect(disabled.nextFireAt).toBeUndefined();
  });

  it.each([
    ['an unknown time zone', { cron: { expression: '0 9 * * *', timezone: 'Mars/Olympus' } }, 'cron.timezone'],
    ['a malformed cron expression', { cron: { expression: '0 9 * *', timezone: 'UTC' } }, 'cron.expression'],
    ['both cron and intervalMs', { cron: { expression: '0 9 * * *', timezone: 'UTC' }, intervalMs: 60_000 }, 'cron'],
    ['a poll schedule without its target', { kind: 'poll' as const, intervalMs: 60_000 }, 'poll'],
  ])('refuses %s with invalid_request naming the field, and writes nothing', async (_label, change, path) => {
    const error = await a.schedules.upsert({ workspaceId: 'ws_1', recipeId: 'r_bad', kind: 'tick', ...change }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ code: 'invalid_request', errors: [expect.objectContaining({ path })] });
    expect(await rowCount()).toBe(0);
  });

  it('another workspace can neither see nor delete a schedule', async () => {
    await a.schedules.upsert({ workspaceId: 'ws_1', recipeId: 'r_private', kind: 'tick', intervalMs: 60_000 });
    await expect(a.schedules.get({ workspaceId: 'ws_2', recipeId: 'r_private' })).rejects.toMatchObject({ code: 'not_found' });
    expect(await a.schedules.delete({ workspaceId: 'ws_2', recipeId: 'r_private' })).toEqual({ deleted: false });
    expect(await rowCount()).toBe(1);
    expect(await a.schedules.delete({ workspaceId: 'ws_1', recipeId: 'r_private' })).toEqual({ deleted: true });
    expect(await rowCount()).toBe(0);
  });
});
