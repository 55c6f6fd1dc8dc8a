import { IsInt } from 'class-validator';
import { connect, type NatsConnection } from 'nats';
import pino from 'pino';
import { ServiceMetrics } from '@junction/platform/metrics';
import { Namespace, defineEvent, defineStream } from '@junction/platform/ports';
import { TEST_SERVERS, uniqueNamespace, waitFor } from '@junction/shared/testing';
import { JetStreamQueue } from './jetstream-queue';

class Item {
  @IsInt()
  n: number;
}

const Items = defineStream({ name: 'GAUGED', subjects: ['gauged.>'] });
const Queued = defineEvent('gauged.item.queued.v1', Item, Items);
// another subject of the same stream, which the consumer does not take: its messages are no lag
const Other = defineEvent('gauged.other.queued.v1', Item, Items);

/** JetStream feeds junction_queue_depth / oldest_age_seconds for each consumer while it consumes. */
describe('JetStreamQueue queue gauges (real NATS)', () => {
  let nc: NatsConnection;
  let queue: JetStreamQueue;
  const metrics = new ServiceMetrics('executor', { defaultMetrics: false });

  beforeAll(async () => {
    nc = await connect({ servers: TEST_SERVERS.nats });
    const ns = new Namespace(uniqueNamespace('gauge'));
    queue = new JetStreamQueue(nc, await nc.jetstreamManager(), nc.jetstream(), ns, pino({ level: 'silent' }), metrics, 1);
  });

  afterAll(async () => {
    await queue.deleteStream(Items);
    await nc.drain();
  });

  const sample = async (gauge: string) => {
    const text = await metrics.registry.metrics();
    const line = text.split('\n').find((l) => l.startsWith(`${gauge}{`) && l.includes('stream="GAUGED"') && l.includes('consumer="gauged"'));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };

  it('reports the messages a consumer holds and how long the oldest of its subject has waited, and stops when it closes', async () => {
    await queue.ensureStream(Items);
    await queue.publish(Other, { n: 0 });
    // the other subject's message is 3 s older than any of the consumer's: its age must not count
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const release: (() => void)[] = [];
    let hold = true;
    const consumer = await queue.consume(Queued, () => (hold ? new Promise<void>((resolve) => release.push(resolve)) : Promise.resolve()), {
      durable: 'gauged',
      concurrency: 1,
      ackWaitMs: 60_000,
    });
    for (const n of [1, 2, 3]) await queue.publish(Queued, { n });
    await waitFor(async () => release.length === 1, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // one in the handler's hands, two waiting: all three unacknowledged (not the other subject's)
    expect(await sample('junction_queue_depth')).toBe(3);
    expect(await sample('junction_queue_oldest_age_seconds')).toBeGreaterThanOrEqual(1);
    expect(await sample('junction_queue_oldest_age_seconds')).toBeLessThan(2.9);

    hold = false;
    for (const done of release) done();
    await waitFor(async () => (await sample('junction_queue_depth')) === 0, 10_000);
    expect(await sample('junction_queue_oldest_age_seconds')).toBe(0);

    await consumer.close();
    expect(await sample('junction_queue_depth')).toBeUndefined();
  });
});
