import { Allow, IsInt, IsString } from 'class-validator';
import { connect } from 'nats';
import { Pool } from 'pg';
import pino from 'pino';
import { dropDatabase } from '@junction/platform/database';
import { ServiceMetrics } from '@junction/platform/metrics';
import { JetStreamQueue } from '@junction/platform/nats';
import {
  AccessGuard,
  InvalidMessageError,
  Namespace,
  UndeclaredAccessError,
  childTraceparent,
  defineEvent,
  defineStream,
  messageContext,
  traceIdOf,
  type Closable,
  type DeadMessage,
  type DeliveryMeta,
  type DurableQueue,
} from '@junction/platform/ports';
import { TEST_SERVERS, dropNatsNamespace, uniqueNamespace, waitFor } from '@junction/shared/testing';
import { PostgresQueue } from './postgres-queue';
import { createQueueDatabase, endPool } from './testing/queue-database';

/**
 * The `DurableQueue` port's contract, run against both adapters: JetStream (cluster mode) and
 * Postgres (standalone mode). A behaviour the services rely on belongs here, so the two cannot drift;
 * what only one adapter has (JetStream's claim check and reconnects) stays in its own spec.
 */

class OrderPlaced {
  @IsString()
  orderId: string;

  @IsInt()
  n: number;
}

/** Same subject, looser payload: publishes what the strict contract refuses on delivery. */
class LooseOrder {
  @IsString()
  orderId: string;

  @Allow()
  n: unknown;
}

class Blob {
  @IsString()
  data: string;
}

const Orders = defineStream({ name: 'ORDERS', subjects: ['shop.order.>'], duplicateWindowMs: 60_000, maxAgeMs: 3600_000 });
const Backlogged = defineStream({ name: 'BACKLOG', subjects: ['shop.backlog.>'] });
// JetStream wants the dedupe window within the age limit
const Aged = defineStream({ name: 'AGED', subjects: ['shop.aged.>'], maxAgeMs: 1000, duplicateWindowMs: 500 });

const event = (name: string, stream = Orders) => defineEvent(`shop.${stream === Orders ? 'order' : stream === Aged ? 'aged' : 'backlog'}.${name}.v1`, OrderPlaced, stream);

interface Harness {
  queue: DurableQueue;
  /** A view of the same queue held to one service's declared access. */
  guarded(guard: AccessGuard): Promise<DurableQueue>;
  teardown(): Promise<void>;
}

const silent = pino({ level: 'silent' });

async function jetStream(): Promise<Harness> {
  const nc = await connect({ servers: TEST_SERVERS.nats });
  const ns = new Namespace(uniqueNamespace('dqc'));
  const make = async (guard?: AccessGuard) => new JetStreamQueue(nc, await nc.jetstreamManager(), nc.jetstream(), ns, silent, new ServiceMetrics('test'), 1, undefined, guard);
  return {
    queue: await make(),
    guarded: make,
    teardown: async () => {
      await dropNatsNamespace(TEST_SERVERS.nats, ns.prefix);
      await nc.drain();
    },
  };
}

async function postgres(): Promise<Harness> {
  const name = uniqueNamespace('dqc');
  const pool = new Pool({ connectionString: await createQueueDatabase(TEST_SERVERS.postgres, name), max: 8 });
  const queue = new PostgresQueue(pool, { logger: silent, metrics: new ServiceMetrics('test'), pollIntervalMs: 50 });
  return {
    queue,
    guarded: async (guard) => queue.forService(guard),
    teardown: async () => {
      await queue.close();
      await endPool(pool);
      await dropDatabase(TEST_SERVERS.postgres, name);
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each([
  ['JetStream (NATS)', jetStream],
  ['Postgres (standalone)', postgres],
])('DurableQueue contract: %s', (_name, start) => {
  let harness: Harness;
  let queue: DurableQueue;
  const open: Closable[] = [];

  beforeAll(async () => {
    harness = await start();
    queue = harness.queue;
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    await harness?.teardown();
  });

  async function collect(contract: ReturnType<typeof event>, durable: string, options: { concurrency?: number; ackWaitMs?: number; maxDeliver?: number } = {}) {
    const received: { payload: OrderPlaced; meta: DeliveryMeta }[] = [];
    open.push(await queue.consume(contract, async (payload, meta) => void received.push({ payload, meta }), { durable, ...options }));
    return received;
  }

  it('stores a message published twice with the same msgId once, under one sequence, and delivers it once, in order', async () => {
    const Deduped = event('deduped');
    const first = await queue.publish(Deduped, { orderId: 'o-1', n: 1 }, { msgId: 'order-o-1' });
    const second = await queue.publish(Deduped, { orderId: 'o-1', n: 1 }, { msgId: 'order-o-1' });
    const third = await queue.publish(Deduped, { orderId: 'o-2', n: 2 }, { msgId: 'order-o-2' });
    const fourth = await queue.publish(Deduped, { orderId: 'o-3', n: 3 });
    expect([first.duplicate, second.duplicate, third.duplicate, fourth.duplicate]).toEqual([false, true, false, false]);
    expect(second.sequence).toBe(first.sequence);
    expect(third.sequence).toBeGreaterThan(first.sequence);
    expect(fourth.sequence).toBeGreaterThan(third.sequence);

    const received = await collect(Deduped, 'dedupe-check');
    await waitFor(() => received.length >= 3);
    await sleep(300); // a late duplicate would arrive here
    expect(received.map((r) => r.payload.orderId)).toEqual(['o-1', 'o-2', 'o-3']);
    expect(received[0].meta).toMatchObject({ subject: Deduped.subject, msgId: 'order-o-1', deliveryCount: 1, sequence: first.sequence });
    expect(received[2].meta.msgId).toBeUndefined();
  });

  it('carries the trace context and the workspace with the message', async () => {
    const Traced = event('traced');
    const parent = childTraceparent();
    await messageContext.run({ traceparent: parent, workspaceId: 'ws-ambient' }, async () => {
      await queue.publish(Traced, { orderId: 'o-t', n: 1 }, { workspaceId: 'ws-1' });
      await queue.publish(Traced, { orderId: 'o-u', n: 2 });
    });
    const received = await collect(Traced, 'trace-check');
    await waitFor(() => received.length >= 2);
    expect(traceIdOf(received[0].meta.traceparent)).toBe(traceIdOf(parent));
    expect(received[0].meta.traceparent).not.toBe(parent); // a child span
    expect(received[0].meta.workspaceId).toBe('ws-1');
    expect(received[1].meta.workspaceId).toBe('ws-ambient');
  });

  it('gives every durable consumer each message once, and shares one durable between its consume calls', async () => {
    const Fanned = event('fanned');
    for (let n = 0; n < 20; n++) await queue.publish(Fanned, { orderId: `o-${n}`, n });
    const billing = await collect(Fanned, 'fan-billing');
    const shippingA = await collect(Fanned, 'fan-shipping', { concurrency: 2 });
    const shippingB = await collect(Fanned, 'fan-shipping', { concurrency: 2 });
    await waitFor(() => billing.length >= 20 && shippingA.length + shippingB.length >= 20);
    await sleep(300);
    const ns = (list: { payload: OrderPlaced }[]) => list.map((r) => r.payload.n).sort((a, b) => a - b);
    const all = Array.from({ length: 20 }, (_, n) => n);
    expect(ns(billing)).toEqual(all);
    expect(ns([...shippingA, ...shippingB])).toEqual(all);
  });

  it('delivers to a consumer messages published while it runs, at once', async () => {
    const Live = event('live');
    const received = await collect(Live, 'live-check');
    const started = Date.now();
    await queue.publish(Live, { orderId: 'o-live', n: 1 });
    await waitFor(() => received.length >= 1, 5000, 5);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('redelivers a message whose handler did not finish within ack-wait', async () => {
    const Slow = event('slow');
    await queue.publish(Slow, { orderId: 'o-9', n: 9 });
    const deliveries: number[] = [];
    open.push(
      await queue.consume(
        Slow,
        async (_payload, meta) => {
          deliveries.push(meta.deliveryCount);
          // first delivery: hold it past ack-wait, so the queue considers it lost
          if (meta.deliveryCount === 1) await sleep(2500);
        },
        { durable: 'ack-wait-check', ackWaitMs: 1000, concurrency: 2 },
      ),
    );
    await waitFor(() => deliveries.includes(2), 8000);
    expect(deliveries.slice(0, 2)).toEqual([1, 2]);
  });

  it('redelivers after a handler throws, and stops after maxDeliver', async () => {
    const Failing = event('failing');
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
    await sleep(1500);
    expect(deliveries).toEqual([1, 2, 3]);
  });

  it('redelivers after the delay a handler asks for, and forgets a message it drops', async () => {
    const Steered = event('steered');
    await queue.publish(Steered, { orderId: 'retry-me', n: 1 });
    await queue.publish(Steered, { orderId: 'drop-me', n: 2 });
    const seen: { orderId: string; deliveryCount: number; at: number }[] = [];
    open.push(
      await queue.consume(
        Steered,
        async (payload, meta) => {
          seen.push({ orderId: payload.orderId, deliveryCount: meta.deliveryCount, at: Date.now() });
          if (payload.orderId === 'drop-me') return { action: 'drop', reason: 'not ours' };
          return meta.deliveryCount === 1 ? { action: 'retry', delayMs: 400 } : { action: 'ack' };
        },
        { durable: 'steer-check' },
      ),
    );
    await waitFor(() => seen.filter((s) => s.orderId === 'retry-me').length >= 2, 8000);
    await sleep(500);
    const retried = seen.filter((s) => s.orderId === 'retry-me');
    expect(retried.map((s) => s.deliveryCount)).toEqual([1, 2]);
    expect(retried[1].at - retried[0].at).toBeGreaterThanOrEqual(350);
    expect(seen.filter((s) => s.orderId === 'drop-me')).toHaveLength(1);
    await waitFor(async () => (await queue.backlog(Steered, 'steer-check')) === 0, 5000);
  });

  it('drops a stored message its consumer cannot read, and goes on with the next one', async () => {
    const Loose = defineEvent('shop.order.loose.v1', LooseOrder, Orders);
    const Strict = defineEvent('shop.order.loose.v1', OrderPlaced, Orders);
    await queue.publish(Loose, { orderId: 'bad', n: 'not a number' });
    await queue.publish(Loose, { orderId: 'good', n: 2 });
    const received = await collect(Strict, 'invalid-check');
    await waitFor(() => received.length >= 1);
    await sleep(500);
    expect(received.map((r) => r.payload.orderId)).toEqual(['good']);
    await waitFor(async () => (await queue.backlog(Strict, 'invalid-check')) === 0, 5000);
  });

  it('hands what it gives up (an unreadable body, a last failed delivery) to the consumer’s deadLetter, redelivering while keeping it fails', async () => {
    const Loose = defineEvent('shop.order.dead.v1', LooseOrder, Orders);
    const Strict = defineEvent('shop.order.dead.v1', OrderPlaced, Orders);
    await messageContext.run({ traceparent: childTraceparent(), workspaceId: 'ws_dead' }, async () => {
      await queue.publish(Loose, { orderId: 'unreadable', n: 'not a number' });
      await queue.publish(Loose, { orderId: 'failing', n: 2 });
    });
    const dead: DeadMessage[] = [];
    let keepFails = 1;
    open.push(
      await queue.consume(
        Strict,
        async () => {
          throw new Error('downstream refused');
        },
        {
          durable: 'dead-letter-check',
          maxDeliver: 2,
          deadLetter: async (message) => {
            // the first hand-over fails (a database away): the message comes again, not lost
            if (keepFails-- > 0) throw new Error('keeper away');
            dead.push(message);
          },
        },
      ),
    );
    await waitFor(() => dead.length >= 2, 15_000);
    await waitFor(async () => (await queue.backlog(Strict, 'dead-letter-check')) === 0, 5000);
    const byOrder = Object.fromEntries(dead.map((m) => [(m.body as { orderId: string }).orderId, m]));
    expect(byOrder['unreadable']).toMatchObject({ subject: 'shop.order.dead.v1', reason: 'invalid', workspaceId: 'ws_dead', body: { orderId: 'unreadable', n: 'not a number' } });
    expect(byOrder['unreadable'].detail).toContain('n');
    expect(byOrder['failing']).toMatchObject({
      reason: 'max_deliveries',
      detail: 'downstream refused',
      deliveryCount: 2,
      workspaceId: 'ws_dead',
      body: { orderId: 'failing', n: 2 },
    });
    // the unreadable one came again after its first hand-over failed
    expect(byOrder['unreadable'].deliveryCount).toBe(2);
    expect(byOrder['failing'].sequence).toBeGreaterThan(byOrder['unreadable'].sequence);
    expect(dead).toHaveLength(2);
  });

  it('leaves the check to the consumer (#19): an invalid payload is stored, never handed to the handler, and kept as an invalid dead letter', async () => {
    const Refused = event('refused');
    await queue.publish(Refused, { orderId: 7 } as unknown as OrderPlaced);
    await queue.publish(Refused, { orderId: 'fine', n: 1 });
    const handled: string[] = [];
    const dead: DeadMessage[] = [];
    open.push(
      await queue.consume(Refused, async (payload) => void handled.push(payload.orderId), { durable: 'refused-check', deadLetter: async (message) => void dead.push(message) }),
    );
    await waitFor(() => dead.length >= 1 && handled.length >= 1, 5000);
    await sleep(300);
    expect(handled).toEqual(['fine']);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ subject: 'shop.order.refused.v1', reason: 'invalid', deliveryCount: 1, body: { orderId: 7 } });
    expect(dead[0].detail).toBe(
      new InvalidMessageError('shop.order.refused.v1 message', [
        { path: 'orderId', message: 'orderId must be a string' },
        { path: 'n', message: 'n must be an integer number' },
      ]).message,
    );
  });

  it('runs at most `concurrency` handlers of a consumer at once', async () => {
    const Busy = event('busy');
    for (let n = 0; n < 12; n++) await queue.publish(Busy, { orderId: `o-${n}`, n });
    let running = 0;
    let peak = 0;
    let done = 0;
    open.push(
      await queue.consume(
        Busy,
        async () => {
          peak = Math.max(peak, ++running);
          await sleep(100);
          running--;
          done++;
        },
        { durable: 'concurrency-check', concurrency: 3 },
      ),
    );
    await waitFor(() => done >= 12, 10_000);
    expect(peak).toBe(3);
  });

  it('counts the backlog: every stored message before the consumer exists, then waiting plus in flight until acked', async () => {
    const Queued = event('queued', Backlogged);
    expect(await queue.backlog(Queued, 'backlog-check')).toBe(0);
    for (let n = 0; n < 3; n++) await queue.publish(Queued, { orderId: `o-${n}`, n });
    expect(await queue.backlog(Queued, 'backlog-check')).toBe(3);

    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let started = 0;
    open.push(
      await queue.consume(
        Queued,
        async () => {
          started++;
          await gate;
        },
        { durable: 'backlog-check' },
      ),
    );
    await waitFor(() => started >= 1);
    expect(await queue.backlog(Queued, 'backlog-check')).toBe(3);
    release();
    await waitFor(async () => (await queue.backlog(Queued, 'backlog-check')) === 0, 5000);
  });

  it('discards messages older than the stream’s age limit', async () => {
    const Stale = event('stale', Aged);
    await queue.publish(Stale, { orderId: 'old', n: 1 });
    await sleep(2500);
    await waitFor(async () => (await queue.backlog(Stale, 'aged-check')) === 0, 5000);
    const received = await collect(Stale, 'aged-check');
    await queue.publish(Stale, { orderId: 'fresh', n: 2 });
    await waitFor(() => received.length >= 1);
    await sleep(300);
    expect(received.map((r) => r.payload.orderId)).toEqual(['fresh']);
  });

  it('carries a 16 MB body intact', async () => {
    const Big = defineEvent('shop.order.big.v1', Blob, Orders);
    const data = 'x'.repeat(16 * 1024 * 1024 - 64) + 'end';
    await queue.publish(Big, { data });
    const received: string[] = [];
    open.push(await queue.consume(Big, async (payload) => void received.push(payload.data), { durable: 'big-check' }));
    await waitFor(() => received.length >= 1, 20_000);
    expect(received[0].length).toBe(data.length);
    expect(received[0].endsWith('end')).toBe(true);
  }, 40_000);

  it('holds a service to its declared access', async () => {
    const Declared = event('declared');
    const Undeclared = event('undeclared');
    const view = await harness.guarded(
      new AccessGuard({ service: 'shop', serves: [], calls: [], publishes: [Declared], consumes: [{ contract: Declared, durable: 'declared-check' }] }),
    );
    await expect(view.publish(Undeclared, { orderId: 'o', n: 1 })).rejects.toBeInstanceOf(UndeclaredAccessError);
    await expect(view.consume(Declared, async () => undefined, { durable: 'other' })).rejects.toBeInstanceOf(UndeclaredAccessError);
    await expect(view.backlog(Declared, 'other')).rejects.toBeInstanceOf(UndeclaredAccessError);
    await view.publish(Declared, { orderId: 'o-d', n: 1 });
    const received: string[] = [];
    open.push(await view.consume(Declared, async (p) => void received.push(p.orderId), { durable: 'declared-check' }));
    await waitFor(() => received.length >= 1);
    expect(received).toEqual(['o-d']);
  });
});
