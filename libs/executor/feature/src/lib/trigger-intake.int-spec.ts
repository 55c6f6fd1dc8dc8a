import { connect, type JetStreamManager, type NatsConnection } from 'nats';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { ulid } from 'ulid';
import { TRIGGER_INTAKE_DURABLE, TriggerReceived, TriggerStream, type TriggerEventPayload } from '@junction/executor/contracts';
import { EXECUTOR_ENTITIES, EXECUTOR_MIGRATIONS } from '@junction/executor/data-access';
import { SnakeNamingStrategy, databaseUrl, dropDatabase, ensureDatabase } from '@junction/platform/database';
import { ServiceMetrics } from '@junction/platform/metrics';
import { JetStreamQueue } from '@junction/platform/nats';
import { Namespace, type Closable } from '@junction/platform/ports';
import { TEST_SERVERS, TcpProxy, uniqueNamespace, waitFor } from '@junction/shared/testing';
import { DEFAULT_CONCURRENCY } from './child-jobs';
import { newJobId } from './job-ids';
import { DeadLetterKeeper } from './dead-letter-keeper';
import { ExecutorAudit } from './executor-audit';
import { executorOptions } from './executor.options';
import { JobSignals } from './job-signals';
import { IntakeBatcher, TriggerIntake } from './trigger-intake';

const silent = pino({ level: 'silent' });

/**
 * Batched trigger intake on the real Postgres and the real JetStream consumer: events that
 * arrive together share one statement, each message is acked only once the statement holding
 * it committed, and a failure acks nothing it did not store.
 */
describe('trigger intake (real Postgres, real JetStream)', () => {
  const name = uniqueNamespace('exec_intake');
  const ns = new Namespace(name);
  const pg = new URL(TEST_SERVERS.postgres);
  const proxy = new TcpProxy(pg.hostname, Number(pg.port || 5432));
  let direct: DataSource;
  let proxied: DataSource;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let queue: JetStreamQueue;
  let consumer: Closable | undefined;
  let queued = 0;
  // the delivery on which each event's handler succeeded, by dedupe key
  const storedOnDelivery = new Map<string, number>();

  const event = (recipeId: string, dedupeKey: string, data: unknown = { body: { key: dedupeKey } }): TriggerEventPayload => ({
    workspaceId: 'ws_1',
    recipeId,
    kind: 'webhook',
    dedupeKey,
    receivedAt: new Date().toISOString(),
    data,
  });
  const jobsOf = async (recipeId: string) =>
    (await direct.query(`SELECT dedupe_key, trigger FROM jobs WHERE recipe_id = $1 ORDER BY dedupe_key`, [recipeId])) as { dedupe_key: string; trigger: unknown }[];
  const info = () => jsm.consumers.info(ns.stream(TriggerStream.name), ns.consumer(TRIGGER_INTAKE_DURABLE));
  // each message its own Nats-Msg-Id: the stream's dedupe must not hide the duplicates from the intake
  const publish = (events: TriggerEventPayload[]) => Promise.all(events.map((e) => queue.publish(TriggerReceived, e, { msgId: ulid() })));

  beforeAll(async () => {
    await ensureDatabase(TEST_SERVERS.postgres, name);
    const options = {
      type: 'postgres' as const,
      entities: EXECUTOR_ENTITIES,
      migrations: EXECUTOR_MIGRATIONS,
      migrationsTableName: 'schema_migrations',
      namingStrategy: new SnakeNamingStrategy(),
    };
    direct = await new DataSource({ ...options, url: databaseUrl(TEST_SERVERS.postgres, name), migrationsRun: true }).initialize();
    const port = await proxy.start();
    const viaProxy = new URL(databaseUrl(TEST_SERVERS.postgres, name));
    viaProxy.port = String(port);
    proxied = await new DataSource({ ...options, url: viaProxy.toString(), connectTimeoutMS: 1000 }).initialize();
    await direct.query(
      `INSERT INTO recipes (id, workspace_id, name, version, state, active_version, deleted_at) VALUES
         ('rcp_live', 'ws_1', 'live', 1, 'running', 1, NULL), ('rcp_gone', 'ws_1', 'gone', 1, 'running', 1, now())`,
    );
    await direct.query(`INSERT INTO recipe_versions (recipe_id, version, definition) VALUES ('rcp_live', 1, '{}'), ('rcp_gone', 1, '{}')`);

    nc = await connect({ servers: TEST_SERVERS.nats });
    jsm = await nc.jetstreamManager();
    queue = new JetStreamQueue(nc, jsm, nc.jetstream(), ns, silent, new ServiceMetrics('test'), 1);
    const signals = new JobSignals();
    signals.onJobQueued(() => queued++);
    const keeper = new DeadLetterKeeper(proxied, new ExecutorAudit(queue, silent), silent);
    const intake = new TriggerIntake(proxied, signals, silent, keeper, executorOptions());
    // the options of TriggerIntake.onTrigger's @OnMessage
    consumer = await queue.consume(
      TriggerReceived,
      async (payload, meta) => {
        const outcome = await intake.onTrigger(payload, meta);
        storedOnDelivery.set(payload.dedupeKey, meta.deliveryCount);
        return outcome;
      },
      {
        durable: TRIGGER_INTAKE_DURABLE,
        concurrency: 32,
        ackWaitMs: 30_000,
        maxDeliver: 1000,
      },
    );
  });

  afterEach(() => direct.query(`DELETE FROM jobs`));

  afterAll(async () => {
    await consumer?.close();
    await queue?.deleteStream(TriggerStream);
    await nc?.drain();
    await proxied?.destroy();
    await proxy.stop();
    await direct?.destroy();
    await dropDatabase(TEST_SERVERS.postgres, name);
  });

  it('stores events handed over together in one statement, with an outcome per event', async () => {
    const batcher = new IntakeBatcher(proxied, silent);
    const newEvent = (recipeId: string, dedupeKey: string) => ({
      id: newJobId(),
      workspaceId: 'ws_1',
      recipeId,
      dedupeKey,
      triggerKind: 'webhook' as const,
      defaultConcurrency: DEFAULT_CONCURRENCY,
      trigger: { n: dedupeKey },
      receivedAt: new Date(),
    });
    const outcomes = await Promise.all([
      batcher.add(newEvent('rcp_live', 'a')),
      batcher.add(newEvent('rcp_gone', 'b')),
      batcher.add(newEvent('rcp_live', 'c')),
      batcher.add(newEvent('rcp_live', 'a')),
      batcher.add(newEvent('rcp_nobody', 'd')),
    ]);
    expect(outcomes).toEqual([
      { outcome: 'created', version: 1 },
      { outcome: 'no_recipe' },
      { outcome: 'created', version: 1 },
      { outcome: 'duplicate', version: 1 },
      { outcome: 'no_recipe' },
    ]);
    // one statement, one transaction: every row has the same now()
    const rows = (await direct.query(`SELECT DISTINCT created_at FROM jobs WHERE recipe_id = 'rcp_live'`)) as unknown[];
    expect(rows).toHaveLength(1);
  });

  it('acks each event once its job is stored: duplicates make one job, a deleted recipe makes none', async () => {
    queued = 0;
    const events = [
      ...Array.from({ length: 40 }, (_, i) => event('rcp_live', `k${i}`)),
      event('rcp_live', 'k3'),
      event('rcp_live', 'k3'),
      event('rcp_gone', 'g1'),
      event('rcp_gone', 'g2'),
    ];
    await publish(events);
    const done = await waitFor(async () => {
      const i = await info();
      return i.num_pending === 0 && i.num_ack_pending === 0 && i;
    });
    expect(done.delivered.stream_seq).toBe(done.ack_floor.stream_seq);
    expect((await jobsOf('rcp_live')).map((r) => r.dedupe_key)).toEqual(Array.from({ length: 40 }, (_, i) => `k${i}`).sort());
    expect(await jobsOf('rcp_gone')).toEqual([]);
    expect(queued).toBe(40);
  });

  it('acks nothing while the statement fails, and stores every event once Postgres is back', async () => {
    const before = await info();
    await proxy.cut();
    try {
      await publish(Array.from({ length: 10 }, (_, i) => event('rcp_live', `down-${i}`)));
      // every message was handed to the intake and is held there, retried in place while Postgres is away:
      // not acked, and not handed back (a redelivery would spend one of its deliveries and wait out a backoff)
      await waitFor(async () => {
        const i = await info();
        return i.delivered.stream_seq === before.delivered.stream_seq + 10 && i.num_ack_pending === 10;
      });
      await new Promise((r) => setTimeout(r, 1_000));
      const during = await info();
      expect(during.ack_floor.stream_seq).toBe(before.ack_floor.stream_seq);
      expect(during.num_ack_pending + during.num_pending).toBe(10);
      expect(during.num_redelivered).toBe(before.num_redelivered);
      expect(await jobsOf('rcp_live')).toEqual([]);
    } finally {
      await proxy.restore();
    }
    await waitFor(async () => (await jobsOf('rcp_live')).length === 10 && (await info()).num_ack_pending === 0, 30_000);
    expect((await info()).ack_floor.stream_seq).toBe(before.delivered.stream_seq + 10);
  }, 45_000);

  it('lets an event whose data Postgres refuses fail alone: the events that came with it are stored and acked', async () => {
    await publish([event('rcp_live', 'ok-1'), event('rcp_live', 'ok-2'), event('rcp_live', 'poison', { body: 'a NUL \u0000 jsonb refuses' }), event('rcp_live', 'ok-3')]);
    await waitFor(async () => (await jobsOf('rcp_live')).length === 3);
    const i = await waitFor(async () => {
      const c = await info();
      return c.num_pending === 0 && c.num_ack_pending === 1 && c;
    });
    expect(i.num_ack_pending).toBe(1); // the poison event, not acked: it is redelivered
    expect((await jobsOf('rcp_live')).map((r) => r.dedupe_key)).toEqual(['ok-1', 'ok-2', 'ok-3']);
    // stored on their first delivery, not after the batch failed and they came back one by one
    expect(['ok-1', 'ok-2', 'ok-3'].map((k) => storedOnDelivery.get(k))).toEqual([1, 1, 1]);
    expect(storedOnDelivery.has('poison')).toBe(false);
  });
});
