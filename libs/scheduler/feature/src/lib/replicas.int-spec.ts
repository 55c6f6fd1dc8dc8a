import { connect, type NatsConnection } from 'nats';
import pino from 'pino';
import { dropDatabase } from '@junction/platform/database';
import { ServiceMetrics } from '@junction/platform/metrics';
import { JetStreamQueue } from '@junction/platform/nats';
import { Namespace, type DurableQueue } from '@junction/platform/ports';
import { TimerRepository } from '@junction/scheduler/data-access';
import { SchedulerStream, TimerFired, type TimerFiredPayload } from '@junction/scheduler/contracts';
import { systemClock } from '@junction/scheduler/domain';
import { TEST_SERVERS, TcpProxy, uniqueNamespace, waitFor } from '@junction/shared/testing';
import { SchedulerReplica } from './testing/scheduler-replica';
import { StreamCollector } from './testing/stream-collector';
import { TimerFiring } from './timer-firing';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const POLL_INTERVAL_MS = 200;

/**
 * Two replicas of the firing loop, each with its own connection pool and NATS connection, on
 * one database and one stream. Replica A reaches Postgres through a TCP proxy: cutting it is
 * A's death as Postgres sees it (the server drops A's sessions and their row locks).
 */
describe('scheduler replicas: no double fire, takeover after a kill (real Postgres + JetStream)', () => {
  const namespace = uniqueNamespace('sch_rep');
  const database = `${namespace}_scheduler`;
  const pg = new URL(TEST_SERVERS.postgres);
  const proxy = new TcpProxy(pg.hostname, Number(pg.port || 5432));
  let a: SchedulerReplica;
  let b: SchedulerReplica;
  let observerNc: NatsConnection;
  let observer: JetStreamQueue;
  let collector: StreamCollector<TimerFiredPayload>;
  const options = (replicaId: string) => ({ replicaId, batchSize: 20, pollIntervalMs: POLL_INTERVAL_MS, pollConcurrency: 1 });

  function proxiedUrl(): string {
    const url = new URL(TEST_SERVERS.postgres);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    return url.toString();
  }

  const deliveredFor = (target: string) => collector.deliveries.filter((d) => d.payload.target === target);

  async function createTimers(target: string, count: number, dueAt: (i: number) => Date): Promise<void> {
    for (let i = 0; i < count; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, count - i) }, (_, j) =>
          b.timers.create({ workspaceId: 'ws_1', timerId: `${target}-${i + j}`, dueAt: dueAt(i + j).toISOString(), target, payload: { n: i + j } }),
        ),
      );
    }
  }

  async function firedBy(target: string): Promise<Record<string, number>> {
    const rows: { fired_by: string; n: number }[] = await b.dataSource.query(
      `SELECT fired_by, count(*)::int AS n FROM timers WHERE target = $1 AND fired_at IS NOT NULL GROUP BY fired_by`,
      [target],
    );
    return Object.fromEntries(rows.map((r) => [r.fired_by, r.n]));
  }

  beforeAll(async () => {
    await proxy.start();
    // B migrates the database first; A then finds it ready
    b = await SchedulerReplica.start({ postgresUrl: TEST_SERVERS.postgres, database, natsUrl: TEST_SERVERS.nats, namespace, options: options('B') });
    observerNc = await connect({ servers: TEST_SERVERS.nats });
    observer = new JetStreamQueue(
      observerNc,
      await observerNc.jetstreamManager(),
      observerNc.jetstream(),
      new Namespace(namespace),
      pino({ level: 'silent' }),
      new ServiceMetrics('observer'),
      1,
    );
    await observer.ensureStream(SchedulerStream);
    collector = await StreamCollector.start(observer, TimerFired, 'timer-observer');
  });

  beforeEach(async () => {
    await proxy.restore().catch(() => undefined);
    a = await SchedulerReplica.start({ postgresUrl: proxiedUrl(), database, natsUrl: TEST_SERVERS.nats, namespace, options: options('A') });
  });

  afterEach(async () => {
    await a?.close();
    await b.loop.stop();
  });

  afterAll(async () => {
    await collector?.close();
    await b?.close();
    await observer?.deleteStream(SchedulerStream);
    await observerNc?.drain();
    await proxy.stop();
    await dropDatabase(TEST_SERVERS.postgres, database);
  });

  it('fires 200 timers due in the same second exactly 200 times when two replicas claim at once', async () => {
    const due = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000);
    await createTimers('t.same_second', 200, () => due);
    await sleep(due.getTime() - Date.now() + 20);

    const drain = async (replica: SchedulerReplica) => {
      let total = 0;
      for (let n = await replica.timerFiring.fireDue(); n > 0; n = await replica.timerFiring.fireDue()) total += n;
      return total;
    };
    const [byA, byB] = await Promise.all([drain(a), drain(b)]);
    expect(byA + byB).toBe(200); // 200, not 400: a claimed row is skipped by the other replica
    expect(byA).toBeGreaterThan(0); // both really competed for the same rows
    expect(byB).toBeGreaterThan(0);

    await waitFor(() => deliveredFor('t.same_second').length >= 200);
    await sleep(500); // a duplicate would arrive here
    const delivered = deliveredFor('t.same_second');
    expect(delivered).toHaveLength(200);
    expect(new Set(delivered.map((d) => d.payload.timerId)).size).toBe(200);
    expect(collector.duplicates()).toEqual([]);
    expect(await firedBy('t.same_second')).toEqual({ A: byA, B: byB });
  });

  it('releases the claims of a replica that dies holding them: the other fires them within one polling interval', async () => {
    await createTimers('t.frozen', 100, () => new Date(Date.now() - 1000));
    // A claims 50 due timers and then stops responding (a frozen or killed process), its transaction open
    let resume!: () => void;
    const frozen = new Promise<void>((r) => (resume = r));
    let claimed!: (n: number) => void;
    const claimedCount = new Promise<number>((r) => (claimed = r));
    const aRound = a.dataSource
      .transaction(async (em) => {
        claimed((await new TimerRepository(em).claimDue(new Date(), 50)).length);
        await frozen;
      })
      .then(
        () => 'committed',
        () => 'connection lost',
      );
    expect(await claimedCount).toBe(50);

    await b.loop.start();
    await waitFor(() => deliveredFor('t.frozen').length >= 50);
    await sleep(4 * POLL_INTERVAL_MS); // B keeps looking; A's 50 stay claimed while A's session lives
    expect(deliveredFor('t.frozen')).toHaveLength(50);

    const killedAt = Date.now();
    await proxy.cut(); // A's death, as Postgres sees it
    await waitFor(() => deliveredFor('t.frozen').length >= 100, 5000, 20);
    const takeoverMs = Date.now() - killedAt;
    resume();
    expect(await aRound).toBe('connection lost');

    expect(takeoverMs).toBeLessThan(POLL_INTERVAL_MS + 1000);
    await sleep(500);
    expect(deliveredFor('t.frozen')).toHaveLength(100);
    expect(new Set(deliveredFor('t.frozen').map((d) => d.payload.timerId)).size).toBe(100);
    expect(await firedBy('t.frozen')).toEqual({ B: 100 });
  });

  it('a replica killed after publishing and before committing causes no duplicate event', async () => {
    await createTimers('t.crash', 30, () => new Date(Date.now() - 1000));
    // A's queue publishes for real, then A freezes before it can mark the timers fired
    let published = 0;
    let resume!: () => void;
    const frozen = new Promise<void>((r) => (resume = r));
    const freezingQueue: DurableQueue = {
      ensureStream: (s) => a.queue.ensureStream(s),
      consume: (c, h, o) => a.queue.consume(c, h, o),
      backlog: (c, d) => a.queue.backlog(c, d),
      publish: async (contract, payload, opts) => {
        const ack = await a.queue.publish(contract, payload, opts);
        published++;
        await frozen;
        return ack;
      },
    };
    const aRound = new TimerFiring(a.dataSource, freezingQueue, systemClock, a.options).fireDue().then(
      () => 'committed',
      () => 'connection lost',
    );
    await waitFor(() => published === 20); // a full batch is in the stream, not yet marked fired
    await proxy.cut();
    resume();
    expect(await aRound).toBe('connection lost');

    await b.loop.start();
    await waitFor(() => deliveredFor('t.crash').length >= 30);
    await waitFor(async () => (await firedBy('t.crash')).B === 30);
    await sleep(500);
    // B re-published A's 20 with the same msg ids: JetStream dropped them as duplicates
    expect(deliveredFor('t.crash')).toHaveLength(30);
    expect(new Set(deliveredFor('t.crash').map((d) => d.payload.timerId)).size).toBe(30);
    expect(collector.duplicates()).toEqual([]);
  });

  it('keeps firing every timer once when one of two running replicas is killed mid-run', async () => {
    const start = Date.now() + 500;
    // 300 timers due over 3 s, one every 10 ms
    await createTimers('t.kill', 300, (i) => new Date(start + i * 10));
    await Promise.all([a.loop.start(), b.loop.start()]);
    await sleep(start + 1500 - Date.now());
    // on a loaded machine A may not have claimed a batch yet: the kill must come after it fired some
    await waitFor(async () => ((await firedBy('t.kill')).A ?? 0) > 0, 10_000, 20);
    // A dies mid-run: its database sessions and its NATS connection go at once
    await Promise.all([proxy.cut(), a.nc.close()]);
    await a.loop.stop();

    await waitFor(() => deliveredFor('t.kill').length >= 300, 10_000);
    await sleep(500);
    const delivered = deliveredFor('t.kill');
    expect(delivered).toHaveLength(300);
    expect(new Set(delivered.map((d) => d.payload.timerId)).size).toBe(300);
    expect(collector.duplicates()).toEqual([]);
    const by = await firedBy('t.kill');
    expect((by.A ?? 0) + by.B).toBe(300);
    expect(by.A).toBeGreaterThan(0); // A did fire before it died
    expect(await b.dataSource.query(`SELECT count(*)::int AS n FROM timers WHERE target = 't.kill' AND fired_at IS NULL`)).toEqual([{ n: 0 }]);
  });
});
