import { IsInt, IsString } from 'class-validator';
import { connect, type NatsConnection } from 'nats';
import pino from 'pino';
import { ServiceMetrics } from '@junction/platform/metrics';
import { DeadlineExceededError, InvalidMessageError, Namespace, defineEvent, defineStream, type Closable, type DeliveryMeta } from '@junction/platform/ports';
import { TEST_SERVERS, TcpProxy, dropNatsNamespace, uniqueNamespace, waitFor } from '@junction/shared/testing';
import { JetStreamQueue, redeliveryDelayMs } from './jetstream-queue';

class OrderPlaced {
  @IsString()
  orderId: string;

  @IsInt()
  n: number;
}

const Orders = defineStream({ name: 'ORDERS', subjects: ['shop.order.>'], duplicateWindowMs: 60_000, maxAgeMs: 3600_000 });
const Placed = defineEvent('shop.order.placed.v1', OrderPlaced, Orders);
const Cancelled = defineEvent('shop.order.cancelled.v1', OrderPlaced, Orders);

describe('JetStreamQueue (real NATS JetStream)', () => {
  let nc: NatsConnection;
  let queue: JetStreamQueue;
  const open: Closable[] = [];

  beforeAll(async () => {
    nc = await connect({ servers: TEST_SERVERS.nats });
    const ns = new Namespace(uniqueNamespace('js'));
    queue = new JetStreamQueue(nc, await nc.jetstreamManager(), nc.jetstream(), ns, pino({ level: 'silent' }), new ServiceMetrics('test'), 1);
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    await queue.deleteStream(Orders);
    await nc.drain();
  });

  it('stores a message published twice with the same Nats-Msg-Id once, and delivers it once', async () => {
    const first = await queue.publish(Placed, { orderId: 'o-1', n: 1 }, { msgId: 'order-o-1' });
    const second = await queue.publish(Placed, { orderId: 'o-1', n: 1 }, { msgId: 'order-o-1' });
    const third = await queue.publish(Placed, { orderId: 'o-2', n: 2 }, { msgId: 'order-o-2' });
    expect(first.duplicate).toBe(false);
    expect(second.duplicate).toBe(true);
    expect(second.sequence).toBe(first.sequence);
    expect(third.duplicate).toBe(false);

    const received: { orderId: string; meta: DeliveryMeta }[] = [];
    open.push(
      await queue.consume(
        Placed,
        async (payload, meta) => {
          received.push({ orderId: payload.orderId, meta });
        },
        { durable: 'dedupe-check' },
      ),
    );
    await waitFor(() => received.length >= 2);
    await new Promise((r) => setTimeout(r, 300)); // a late duplicate would arrive here
    expect(received.map((r) => r.orderId)).toEqual(['o-1', 'o-2']);
    expect(received[0].meta.msgId).toBe('order-o-1');
    expect(received[0].meta.deliveryCount).toBe(1);
  });

  it('redelivers a message whose handler did not ack within ack-wait', async () => {
    await queue.publish(Cancelled, { orderId: 'o-9', n: 9 }, { msgId: 'cancel-o-9' });
    const deliveries: number[] = [];
    open.push(
      await queue.consume(
        Cancelled,
        async (_payload, meta) => {
          deliveries.push(meta.deliveryCount);
          // first delivery: hold it past ack-wait, so the server considers it lost
          if (meta.deliveryCount === 1) await new Promise((r) => setTimeout(r, 2500));
        },
        { durable: 'redelivery-check', ackWaitMs: 1000, concurrency: 2 },
      ),
    );
    await waitFor(() => deliveries.includes(2), 8000);
    expect(deliveries.slice(0, 2)).toEqual([1, 2]);
  });

  it('redelivers after a handler throws, and stops after maxDeliver', async () => {
    const Failing = defineEvent('shop.order.failed.v1', OrderPlaced, Orders);
    await queue.publish(Failing, { orderId: 'o-5', n: 5 });
    const deliveries: number[] = [];
    open.push(
      await queue.consume(
        Failing,
        async (_payload, meta) => {
          deliveries.push(meta.deliveryCount);
          throw new Error('downstream refused');
        },
        { durable: 'retry-check', maxDeliver: 3 },
      ),
    );
    await waitFor(() => deliveries.length >= 3, 10_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(deliveries).toEqual([1, 2, 3]);
  });

  it('fails a publish JetStream cannot take with DeadlineExceededError (a 503 for the caller), not an internal error', async () => {
    const url = new URL(TEST_SERVERS.nats);
    const proxy = new TcpProxy(url.hostname, Number(url.port || 4222));
    const port = await proxy.start();
    const viaProxy = await connect({ servers: `nats://127.0.0.1:${port}`, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    const ns = new Namespace(uniqueNamespace('jscut'));
    try {
      const cutQueue = new JetStreamQueue(viaProxy, await viaProxy.jetstreamManager(), viaProxy.jetstream(), ns, pino({ level: 'silent' }), new ServiceMetrics('test'), 1);
      await cutQueue.publish(Placed, { orderId: 'before', n: 1 });
      await proxy.cut();
      const started = Date.now();
      const error = await cutQueue.publish(Placed, { orderId: 'during', n: 2 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeadlineExceededError);
      expect(Date.now() - started).toBeLessThan(8000);
    } finally {
      await viaProxy.close();
      await proxy.stop();
      await dropNatsNamespace(TEST_SERVERS.nats, ns.prefix);
    }
  }, 20_000);

  it('refuses to publish an invalid payload', async () => {
    await expect(queue.publish(Placed, { orderId: 7 } as unknown as OrderPlaced)).rejects.toBeInstanceOf(InvalidMessageError);
  });

  it('backs off exponentially with full jitter, capped', () => {
    for (let i = 0; i < 200; i++) {
      expect(redeliveryDelayMs(1)).toBeLessThan(500);
      expect(redeliveryDelayMs(3)).toBeLessThan(2000); // 500 * 2^2
      expect(redeliveryDelayMs(30)).toBeLessThan(30_000);
    }
  });
});
