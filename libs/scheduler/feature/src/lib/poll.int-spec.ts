import { connect, type NatsConnection } from 'nats';
import pino from 'pino';
import { dropDatabase } from '@junction/platform/database';
import { ServiceMetrics } from '@junction/platform/metrics';
import { JetStreamQueue, NatsMessageBus } from '@junction/platform/nats';
import { Namespace, RemoteError, type Closable } from '@junction/platform/ports';
import { ConnectorsPoll, RecordPolled, SchedulerStream, type PollResponse, type RecordPolledPayload } from '@junction/scheduler/contracts';
import { ManualClock } from '@junction/scheduler/domain';
import { TEST_SERVERS, uniqueNamespace, waitFor } from '@junction/shared/testing';
import { FakeFeedApi } from './testing/fake-feed-api';
import { SchedulerReplica } from './testing/scheduler-replica';
import { StreamCollector } from './testing/stream-collector';

const PAGE_SIZE = 3;
const MINUTE = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polling triggers end to end inside the scheduler: the schedule ticks (fake clock), the
 * scheduler asks `connectors.poll.v1` (served here by a stand-in for the connectors service that
 * reads a local paginated HTTP API), publishes one event per record, then saves the cursor.
 */
describe('polling triggers (real Postgres + NATS + JetStream, fake third-party API)', () => {
  const namespace = uniqueNamespace('sch_poll');
  const database = `${namespace}_scheduler`;
  const clock = new ManualClock('2026-06-01T08:00:00Z');
  const api = new FakeFeedApi();
  let replica: SchedulerReplica;
  let nc: NatsConnection;
  let connectorsStandIn: Closable;
  let observer: JetStreamQueue;
  let collector: StreamCollector<RecordPolledPayload>;

  const deliveredFor = (scheduleId: string) => collector.deliveries.filter((d) => d.payload.scheduleId === scheduleId);
  const cursorOf = async (scheduleId: string) =>
    (
      (await replica.dataSource.query(`SELECT cursor, failures, backoff_until, last_error FROM poll_cursors WHERE schedule_id = $1`, [scheduleId])) as {
        cursor: unknown;
        failures: number;
        backoff_until: Date | null;
        last_error: string | null;
      }[]
    )[0];
  const nextFireAt = async (scheduleId: string) =>
    ((await replica.dataSource.query(`SELECT next_fire_at FROM schedules WHERE id = $1`, [scheduleId])) as { next_fire_at: Date }[])[0].next_fire_at;

  function pollSchedule(recipeId: string, feed: string) {
    return replica.schedules.upsert({
      workspaceId: 'ws_1',
      recipeId,
      kind: 'poll',
      intervalMs: 5 * MINUTE,
      poll: { connectorKey: 'fake_feed', trigger: 'new_item', connectionId: 'conn_1', input: { feed } },
    });
  }

  beforeAll(async () => {
    await api.start();
    replica = await SchedulerReplica.start({
      postgresUrl: TEST_SERVERS.postgres,
      database,
      natsUrl: TEST_SERVERS.nats,
      namespace,
      clock,
      // large on purpose: a failed poll's backoff must outlast the 5-minute tick to be visible
      options: { pollBackoff: { baseMs: 20 * MINUTE, capMs: 120 * MINUTE }, pollMaxPages: 10 },
    });
    nc = await connect({ servers: TEST_SERVERS.nats });
    const ns = new Namespace(namespace);
    const logger = pino({ level: 'silent' });
    const metrics = new ServiceMetrics('connectors-stand-in');
    // what the connectors service will do: run the trigger's poll against the third party
    connectorsStandIn = await new NatsMessageBus(nc, ns, logger, metrics, 5000).serve(ConnectorsPoll, async (request): Promise<PollResponse> => {
      const after = typeof request.cursor?.after === 'number' ? request.cursor.after : 0;
      const res = await fetch(`${api.url}/feeds/${String(request.input?.feed)}/items?after=${after}&limit=${PAGE_SIZE}`);
      if (!res.ok) throw new RemoteError('unavailable', `the API answered ${res.status}`);
      const body = (await res.json()) as { items: { id: number; title: string }[]; hasMore: boolean };
      const last = body.items.at(-1);
      return {
        records: body.items.map((item) => ({ dedupeKey: `item-${item.id}`, data: { ...item } })),
        nextCursor: { after: last ? last.id : after },
        hasMore: body.hasMore,
      };
    });
    observer = new JetStreamQueue(nc, await nc.jetstreamManager(), nc.jetstream(), ns, logger, metrics, 1);
    await observer.ensureStream(SchedulerStream);
    collector = await StreamCollector.start(observer, RecordPolled, 'record-observer');
  });

  afterEach(async () => {
    // each test polls its own trigger only: earlier ones would be due again on the fake clock
    await replica.dataSource.query('DELETE FROM schedules');
  });

  afterAll(async () => {
    await collector?.close();
    await connectorsStandIn?.close();
    await replica?.close();
    await observer?.deleteStream(SchedulerStream);
    await nc?.drain();
    await api.stop();
    await dropDatabase(TEST_SERVERS.postgres, database);
  });

  it('turns records across pages into one event each, and later polls only new records', async () => {
    api.add('orders', 7);
    const schedule = await pollSchedule('r_orders', 'orders');
    expect(await replica.pollRunner.pollOne()).toBeUndefined(); // not due before its first tick

    clock.advance(5 * MINUTE);
    const first = await replica.pollRunner.pollOne();
    // 7 records at 3 per page: pages of 3, 3 and 1
    expect(first).toEqual({ scheduleId: schedule.id, pages: 3, published: 7, duplicates: 0 });
    expect(api.requests.filter((r) => r.startsWith('/feeds/orders'))).toEqual([
      '/feeds/orders/items?after=0&limit=3',
      '/feeds/orders/items?after=3&limit=3',
      '/feeds/orders/items?after=6&limit=3',
    ]);
    expect((await cursorOf(schedule.id)).cursor).toEqual({ after: 7 });
    expect(await replica.pollRunner.pollOne()).toBeUndefined(); // done until the next tick

    api.add('orders', 2);
    clock.advance(5 * MINUTE);
    expect(await replica.pollRunner.pollOne()).toEqual({ scheduleId: schedule.id, pages: 1, published: 2, duplicates: 0 });

    await waitFor(() => deliveredFor(schedule.id).length >= 9);
    await sleep(300);
    const keys = deliveredFor(schedule.id).map((d) => d.payload.dedupeKey);
    expect(keys).toEqual(Array.from({ length: 9 }, (_, i) => `item-${i + 1}`));
    expect(deliveredFor(schedule.id).map((d) => d.msgId)).toEqual(keys.map((k) => `${schedule.id}:${k}`));
    expect(deliveredFor(schedule.id)[0].payload).toMatchObject({
      workspaceId: 'ws_1',
      recipeId: 'r_orders',
      connectorKey: 'fake_feed',
      trigger: 'new_item',
      data: { id: 1, title: 'orders item 1' },
    });
  });

  it('a crash between publishing and saving the cursor makes no duplicate event', async () => {
    api.add('invoices', 4);
    const schedule = await pollSchedule('r_invoices', 'invoices');
    // the cursor save fails inside the transaction, after the page's events are in the stream
    await replica.dataSource.query(`
      CREATE FUNCTION test_refuse_cursor_move() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.cursor IS DISTINCT FROM OLD.cursor THEN RAISE EXCEPTION 'simulated crash before the cursor is saved'; END IF;
        RETURN NEW;
      END $$`);
    await replica.dataSource.query(`CREATE TRIGGER test_refuse_cursor_move BEFORE UPDATE ON poll_cursors FOR EACH ROW EXECUTE FUNCTION test_refuse_cursor_move()`);
    try {
      clock.advance(5 * MINUTE);
      const crashed = await replica.pollRunner.pollOne();
      expect(crashed).toMatchObject({ scheduleId: schedule.id, pages: 0, error: expect.stringMatching(/simulated crash/) });
      await waitFor(() => deliveredFor(schedule.id).length >= 3); // page 1 was published
      const state = await cursorOf(schedule.id);
      expect(state.cursor).toBeNull(); // not advanced: the next poll starts from the same place
      expect(state.failures).toBe(1);
    } finally {
      await replica.dataSource.query(`DROP TRIGGER test_refuse_cursor_move ON poll_cursors; DROP FUNCTION test_refuse_cursor_move()`);
    }

    clock.set(await nextFireAt(schedule.id));
    const retried = await replica.pollRunner.pollOne();
    // the first page again (3 duplicates, dropped by JetStream) and the record after it
    expect(retried).toEqual({ scheduleId: schedule.id, pages: 2, published: 1, duplicates: 3 });
    expect((await cursorOf(schedule.id)).cursor).toEqual({ after: 4 });

    await waitFor(() => deliveredFor(schedule.id).length >= 4);
    await sleep(500);
    expect(deliveredFor(schedule.id).map((d) => d.payload.dedupeKey)).toEqual(['item-1', 'item-2', 'item-3', 'item-4']);
    expect(collector.duplicates()).toEqual([]);
  });

  it('backs off after failing polls, keeps the cursor, and resumes where it stopped', async () => {
    api.add('tickets', 2);
    const schedule = await pollSchedule('r_tickets', 'tickets');
    clock.advance(5 * MINUTE);
    expect(await replica.pollRunner.pollOne()).toMatchObject({ pages: 1, published: 2 });

    api.add('tickets', 1);
    api.failNext = 2;
    clock.advance(5 * MINUTE);
    const failedAt = clock.now();
    expect(await replica.pollRunner.pollOne()).toMatchObject({ pages: 0, published: 0, error: expect.stringMatching(/answered 500/) });
    let state = await cursorOf(schedule.id);
    expect(state).toMatchObject({ cursor: { after: 2 }, failures: 1, last_error: expect.stringMatching(/500/) });
    // first backoff: between half and all of 20 min, beyond the 5-min tick, so it decides the next poll
    const wait1 = (await nextFireAt(schedule.id)).getTime() - failedAt.getTime();
    expect(wait1).toBeGreaterThanOrEqual(10 * MINUTE);
    expect(wait1).toBeLessThanOrEqual(20 * MINUTE);
    expect(state.backoff_until?.getTime()).toBe(failedAt.getTime() + wait1);

    clock.set(new Date(failedAt.getTime() + wait1 - 1000));
    expect(await replica.pollRunner.pollOne()).toBeUndefined(); // still backing off
    clock.advance(1000);
    expect(await replica.pollRunner.pollOne()).toMatchObject({ error: expect.stringMatching(/answered 500/) });
    state = await cursorOf(schedule.id);
    expect(state).toMatchObject({ cursor: { after: 2 }, failures: 2 });
    const wait2 = (await nextFireAt(schedule.id)).getTime() - clock.now().getTime();
    expect(wait2).toBeGreaterThanOrEqual(20 * MINUTE); // second backoff: half of 40 min at least

    clock.set(await nextFireAt(schedule.id));
    expect(await replica.pollRunner.pollOne()).toEqual({ scheduleId: schedule.id, pages: 1, published: 1, duplicates: 0 });
    expect(await cursorOf(schedule.id)).toMatchObject({ cursor: { after: 3 }, failures: 0, backoff_until: null, last_error: null });
    await waitFor(() => deliveredFor(schedule.id).length >= 3);
    expect(deliveredFor(schedule.id).map((d) => d.payload.dedupeKey)).toEqual(['item-1', 'item-2', 'item-3']);
  });

  it('two replicas never poll one trigger at once: the row stays claimed for the whole poll', async () => {
    api.add('leads', 5);
    const schedule = await pollSchedule('r_leads', 'leads');
    const other = await SchedulerReplica.start({ postgresUrl: TEST_SERVERS.postgres, database, natsUrl: TEST_SERVERS.nats, namespace, clock });
    try {
      clock.advance(5 * MINUTE);
      const before = api.requests.length;
      const results = await Promise.all([replica.pollRunner.pollOne(), other.pollRunner.pollOne()]);
      const ran = results.filter((r) => r?.scheduleId === schedule.id);
      expect(ran).toHaveLength(1);
      expect(ran[0]).toMatchObject({ pages: 2, published: 5 });
      expect(api.requests.length - before).toBe(2);
    } finally {
      await other.close();
    }
  });
});
