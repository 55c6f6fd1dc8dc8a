import { connect, type NatsConnection } from 'nats';
import { Client } from 'pg';
import pino from 'pino';
import { databaseUrl, dropDatabase } from '@junction/platform/database';
import { ServiceMetrics } from '@junction/platform/metrics';
import { JetStreamQueue, NatsMessageBus } from '@junction/platform/nats';
import { Namespace, RemoteError, type Closable } from '@junction/platform/ports';
import {
  CancelTimer,
  CreateTimer,
  GetSchedule,
  SchedulerStream,
  TickFired,
  TimerFired,
  UpsertSchedule,
  type TickFiredPayload,
  type TimerFiredPayload,
} from '@junction/scheduler/contracts';
import { TEST_SERVERS, startServiceProcess, uniqueNamespace, waitFor, type ServiceProcess } from '@junction/shared/testing';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Two scheduler processes (`dist/apps/scheduler/main.js`) on one database and one stream,
 * driven only over NATS. Build first: `NX_DAEMON=false npx nx run scheduler:build`.
 */
describe('scheduler: two replicas as processes', () => {
  const namespace = uniqueNamespace('e2e_sch');
  const database = `${namespace}_scheduler`;
  const env = {
    JUNCTION_NAMESPACE: namespace,
    NATS_URL: TEST_SERVERS.nats,
    REDIS_URL: TEST_SERVERS.redis,
    DATABASE_URL: TEST_SERVERS.postgres,
    SCHEDULER_POLL_INTERVAL_MS: '200',
    SCHEDULER_BATCH_SIZE: '20',
  };
  let first: ServiceProcess | undefined;
  let second: ServiceProcess | undefined;
  let nc: NatsConnection;
  let bus: NatsMessageBus;
  let queue: JetStreamQueue;
  let db: Client;
  const subscriptions: Closable[] = [];
  const timers: { payload: TimerFiredPayload; msgId?: string }[] = [];
  const ticks: { payload: TickFiredPayload; msgId?: string }[] = [];

  const timersFor = (target: string) => timers.filter((t) => t.payload.target === target);

  async function createTimers(target: string, count: number, dueAt: (i: number) => Date): Promise<void> {
    for (let i = 0; i < count; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, count - i) }, (_, j) =>
          bus.request(CreateTimer, { workspaceId: 'ws_e2e', timerId: `${target}-${i + j}`, dueAt: dueAt(i + j).toISOString(), target }),
        ),
      );
    }
  }

  beforeAll(async () => {
    // one after the other: the first applies the migrations
    first = await startServiceProcess('scheduler', env);
    second = await startServiceProcess('scheduler', env);
    nc = await connect({ servers: TEST_SERVERS.nats });
    const ns = new Namespace(namespace);
    const logger = pino({ level: 'silent' });
    const metrics = new ServiceMetrics('e2e');
    bus = new NatsMessageBus(nc, ns, logger, metrics, 5000);
    queue = new JetStreamQueue(nc, await nc.jetstreamManager(), nc.jetstream(), ns, logger, metrics, 1);
    await queue.ensureStream(SchedulerStream);
    subscriptions.push(
      await queue.consume(TimerFired, async (payload, meta) => void timers.push({ payload, msgId: meta.msgId }), { durable: 'e2e-timers', concurrency: 16 }),
      await queue.consume(TickFired, async (payload, meta) => void ticks.push({ payload, msgId: meta.msgId }), { durable: 'e2e-ticks', concurrency: 4 }),
    );
    db = new Client({ connectionString: databaseUrl(TEST_SERVERS.postgres, database) });
    await db.connect();
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(subscriptions.map((s) => s.close()));
    await Promise.allSettled([first?.stop(), second?.stop()]);
    await db?.end();
    await queue?.deleteStream(SchedulerStream);
    await nc?.drain();
    await dropDatabase(TEST_SERVERS.postgres, database);
  }, 60_000);

  it('fires 200 timers due in the same second 200 times in total', async () => {
    const due = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2000);
    await createTimers('e2e.same_second', 200, () => due);
    await waitFor(() => timersFor('e2e.same_second').length >= 200, 15_000);
    await sleep(1000); // duplicates would arrive here
    const delivered = timersFor('e2e.same_second');
    expect(delivered).toHaveLength(200);
    expect(new Set(delivered.map((d) => d.msgId)).size).toBe(200);
    expect(delivered.every((d) => new Date(d.payload.firedAt) >= due)).toBe(true); // none early
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM timers WHERE target = 'e2e.same_second' AND fired_at IS NOT NULL`);
    expect(rows[0].n).toBe(200);
  });

  it('ticks an every-second cron once per second with two replicas running', async () => {
    const schedule = await bus.request(UpsertSchedule, {
      workspaceId: 'ws_e2e',
      recipeId: 'r_every_second',
      kind: 'tick',
      cron: { expression: '* * * * * *', timezone: 'Europe/Berlin' },
    });
    await sleep(4000);
    await bus.request(UpsertSchedule, {
      workspaceId: 'ws_e2e',
      recipeId: 'r_every_second',
      kind: 'tick',
      cron: { expression: '* * * * * *', timezone: 'Europe/Berlin' },
      enabled: false,
    });
    await sleep(500);
    const seen = ticks.filter((t) => t.payload.scheduleId === schedule.id).map((t) => new Date(t.payload.scheduledAt).getTime());
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(new Set(seen).size).toBe(seen.length); // no second fired twice
    const sorted = [...seen].sort((x, y) => x - y);
    expect(sorted.every((t, i) => i === 0 || t - sorted[i - 1] === 1000)).toBe(true); // and none skipped
  });

  it('keeps firing every timer once when one replica is killed (SIGKILL) mid-run', async () => {
    const start = Date.now() + 1000;
    // 300 timers due over 3 s, one every 10 ms
    await createTimers('e2e.kill', 300, (i) => new Date(start + i * 10));
    await sleep(start + 1500 - Date.now());
    const killedPid = first?.child.pid;
    await first?.kill();
    first = undefined;

    await waitFor(() => timersFor('e2e.kill').length >= 300, 15_000);
    await sleep(1000);
    const delivered = timersFor('e2e.kill');
    expect(delivered).toHaveLength(300);
    expect(new Set(delivered.map((d) => d.msgId)).size).toBe(300);
    const { rows } = await db.query(`SELECT fired_by, count(*)::int AS n FROM timers WHERE target = 'e2e.kill' GROUP BY fired_by`);
    const byKilled = rows.filter((r: { fired_by: string }) => r.fired_by.includes(`:${killedPid}:`));
    expect(byKilled.length).toBe(1); // the killed replica was firing before it died…
    expect(rows.reduce((n: number, r: { n: number }) => n + r.n, 0)).toBe(300); // …and the survivor fired the rest
  });

  it('answers bad requests with invalid_request naming the field, and other workspaces with not_found', async () => {
    const badZone = await bus
      .request(UpsertSchedule, { workspaceId: 'ws_e2e', recipeId: 'r_bad', kind: 'tick', cron: { expression: '0 9 * * *', timezone: 'Mars/Olympus' } })
      .catch((e: unknown) => e);
    expect(badZone).toBeInstanceOf(RemoteError);
    expect(badZone).toMatchObject({ code: 'invalid_request', errors: [{ path: 'cron.timezone' }] });
    await expect(bus.request(GetSchedule, { workspaceId: 'ws_e2e', recipeId: 'r_bad' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(bus.request(GetSchedule, { workspaceId: 'ws_other', recipeId: 'r_every_second' })).rejects.toMatchObject({ code: 'not_found' });

    const timer = await bus.request(CreateTimer, { workspaceId: 'ws_e2e', timerId: 'later', dueAt: new Date(Date.now() + 3600_000).toISOString(), target: 'e2e.later' });
    expect(timer.created).toBe(true);
    expect((await bus.request(CreateTimer, { workspaceId: 'ws_e2e', timerId: 'later', dueAt: timer.dueAt, target: 'e2e.later' })).created).toBe(false);
    expect(await bus.request(CancelTimer, { workspaceId: 'ws_other', timerId: 'later' })).toEqual({ cancelled: false });
    expect(await bus.request(CancelTimer, { workspaceId: 'ws_e2e', timerId: 'later' })).toEqual({ cancelled: true });
  });
});
