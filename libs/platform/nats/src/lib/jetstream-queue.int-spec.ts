import { IsInt, IsString } from 'class-validator';
import { connect } from 'nats';
import pino from 'pino';
import { ServiceMetrics } from '@junction/platform/metrics';
import { DeadlineExceededError, Namespace, defineEvent, defineStream } from '@junction/platform/ports';
import { TEST_SERVERS, TcpProxy, dropNatsNamespace, uniqueNamespace } from '@junction/shared/testing';
import { JetStreamQueue } from './jetstream-queue';

// The DurableQueue port's behaviour (dedupe, ack-wait, redelivery, maxDeliver, backlog, ...) is
// tested against this adapter and the Postgres one in
// libs/platform/pg-queue/src/lib/durable-queue.contract.int-spec.ts; here only what is JetStream's own.

class OrderPlaced {
  @IsString()
  orderId: string;

  @IsInt()
  n: number;
}

const Orders = defineStream({ name: 'ORDERS', subjects: ['shop.order.>'], duplicateWindowMs: 60_000, maxAgeMs: 3600_000 });
const Placed = defineEvent('shop.order.placed.v1', OrderPlaced, Orders);

describe('JetStreamQueue (real NATS JetStream)', () => {
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
});
