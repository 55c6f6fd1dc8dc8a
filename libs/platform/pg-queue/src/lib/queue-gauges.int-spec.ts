import { Pool } from 'pg';
import pino from 'pino';
import { dropDatabase } from '@junction/platform/database';
import { ServiceMetrics } from '@junction/platform/metrics';
import { TEST_SERVERS, uniqueNamespace, waitFor } from '@junction/shared/testing';
import { PostgresQueue } from './postgres-queue';
import { createQueueDatabase, endPool } from './testing/queue-database';
import { WorkQueued, WorkStream } from './testing/work.contract';

/** The embedded queue feeds junction_queue_depth / oldest_age_seconds for each consumer while it consumes. */
describe('PostgresQueue queue gauges (real Postgres)', () => {
  const name = uniqueNamespace('pgqm');
  let pool: Pool;
  let queue: PostgresQueue;
  const metrics = new ServiceMetrics('executor', { defaultMetrics: false });

  beforeAll(async () => {
    const url = await createQueueDatabase(TEST_SERVERS.postgres, name);
    pool = new Pool({ connectionString: url, max: 4 });
    queue = new PostgresQueue(pool, { logger: pino({ level: 'silent' }), pollIntervalMs: 50, metrics });
  });

  afterAll(async () => {
    await queue?.close();
    await endPool(pool);
    await dropDatabase(TEST_SERVERS.postgres, name);
  });

  const sample = async (gauge: string) => {
    const text = await metrics.registry.metrics();
    const line = text.split('\n').find((l) => l.startsWith(`${gauge}{`) && l.includes('stream="WORK"') && l.includes('consumer="gauged"'));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };

  it('reports the messages a consumer holds and how long the oldest has waited, and stops when it closes', async () => {
    await queue.ensureStream(WorkStream);
    const release: (() => void)[] = [];
    let hold = true;
    const consumer = await queue.consume(WorkQueued, () => (hold ? new Promise<void>((resolve) => release.push(resolve)) : Promise.resolve()), {
      durable: 'gauged',
      concurrency: 1,
    });
    for (const n of [1, 2, 3]) await queue.publish(WorkQueued, { n });
    await waitFor(async () => release.length === 1, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // one in the handler's hands, two waiting: all three unacknowledged
    expect(await sample('junction_queue_depth')).toBe(3);
    expect(await sample('junction_queue_oldest_age_seconds')).toBeGreaterThanOrEqual(1);

    hold = false;
    for (const done of release) done();
    await waitFor(async () => (await sample('junction_queue_depth')) === 0, 10_000);
    expect(await sample('junction_queue_oldest_age_seconds')).toBe(0);

    await consumer.close();
    expect(await sample('junction_queue_depth')).toBeUndefined();
  });
});
