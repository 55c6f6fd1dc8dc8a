import { Redis } from 'ioredis';
import { connect, type NatsConnection } from 'nats';
import pino from 'pino';
import { QUEUED_JOBS_CACHE_KEY, TRIGGER_INTAKE_DURABLE, TriggerReceived, TriggerStream } from '@junction/executor/contracts';
import { ProblemException } from '@junction/platform/http';
import { ServiceMetrics } from '@junction/platform/metrics';
import { JetStreamQueue } from '@junction/platform/nats';
import { Namespace, type Closable } from '@junction/platform/ports';
import { RedisCache, RedisRateLimiters } from '@junction/platform/redis';
import { TEST_SERVERS, dropNatsNamespace, uniqueNamespace } from '@junction/shared/testing';
import { IngressBackpressure } from './ingress-backpressure';

const event = (n: number) => ({ workspaceId: 'ws_1', recipeId: 'rcp_1', kind: 'api' as const, dedupeKey: `k-${n}`, receivedAt: new Date().toISOString(), data: { n } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The backlog is read from the real places: the trigger stream's consumer and the executors' report in Redis. */
describe('IngressBackpressure (real NATS JetStream and Redis)', () => {
  const namespace = uniqueNamespace('bp');
  let nc: NatsConnection;
  let redis: Redis;
  let queue: JetStreamQueue;
  let cache: RedisCache;
  const open: Closable[] = [];

  const gate = (limit: number) => new IngressBackpressure(queue, cache, pino({ level: 'silent' }), { INGRESS_QUEUE_LIMIT: limit });
  const refusal = (g: IngressBackpressure) =>
    g.admit().then(
      () => undefined,
      (e: unknown) => e,
    );

  beforeAll(async () => {
    nc = await connect({ servers: TEST_SERVERS.nats });
    queue = new JetStreamQueue(nc, await nc.jetstreamManager(), nc.jetstream(), new Namespace(namespace), pino({ level: 'silent' }), new ServiceMetrics('t'), 1);
    redis = new Redis(TEST_SERVERS.redis, { keyPrefix: new Namespace(namespace).key('') });
    cache = new RedisCache(redis);
    await queue.ensureStream(TriggerStream);
  });

  afterAll(async () => {
    for (const c of open) await c.close();
    await redis.del(QUEUED_JOBS_CACHE_KEY);
    redis.disconnect();
    await nc.drain();
    await dropNatsNamespace(TEST_SERVERS.nats, namespace);
  });

  it('counts stored events nobody consumed yet, and refuses at the limit with 503 and Retry-After', async () => {
    for (let n = 0; n < 5; n++) await queue.publish(TriggerReceived, event(n));
    expect(await queue.backlog(TriggerReceived, TRIGGER_INTAKE_DURABLE)).toBe(5);
    await expect(gate(6).admit()).resolves.toBeUndefined();
    const error = await refusal(gate(5));
    expect(error).toBeInstanceOf(ProblemException);
    expect((error as ProblemException).getStatus()).toBe(503);
    expect((error as ProblemException).headers['Retry-After']).toBe('5');
  });

  it('adds the jobs the executors report as queued, and opens again once they are reported gone', async () => {
    await cache.set(QUEUED_JOBS_CACHE_KEY, JSON.stringify({ queued: 20, at: Date.now() }), 5000);
    const g = gate(20);
    expect(await refusal(g)).toBeInstanceOf(ProblemException); // 5 in the stream + 20 queued
    await cache.set(QUEUED_JOBS_CACHE_KEY, JSON.stringify({ queued: 2, at: Date.now() }), 5000);
    expect(await refusal(g)).toBeInstanceOf(ProblemException); // measured at most once a second
    await sleep(1050);
    await expect(g.admit()).resolves.toBeUndefined(); // a refusal re-measures a stale number first
  });

  it('counts what it accepted itself between measurements', async () => {
    await redis.del(QUEUED_JOBS_CACHE_KEY);
    const g = gate(8);
    await g.admit(); // measured: 5
    g.accepted();
    g.accepted();
    await expect(g.admit()).resolves.toBeUndefined(); // 7
    g.accepted();
    expect(await refusal(g)).toBeInstanceOf(ProblemException); // 8
  });

  it('follows the consumer once it exists: acknowledged events leave the backlog', async () => {
    const seen: number[] = [];
    open.push(await queue.consume(TriggerReceived, async (e) => void seen.push((e.data as { n: number }).n), { durable: TRIGGER_INTAKE_DURABLE }));
    for (let i = 0; i < 50 && (await queue.backlog(TriggerReceived, TRIGGER_INTAKE_DURABLE)) > 0; i++) await sleep(100);
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(await queue.backlog(TriggerReceived, TRIGGER_INTAKE_DURABLE)).toBe(0);
    await expect(gate(1).admit()).resolves.toBeUndefined();
  });

  it('refuses a workspace holding its share of the queue with 429, and still admits the others', async () => {
    await cache.set(QUEUED_JOBS_CACHE_KEY, JSON.stringify({ queued: 12, at: Date.now(), byWorkspace: { ws_flood: 10, ws_calm: 2 } }), 5000);
    const g = new IngressBackpressure(queue, cache, pino({ level: 'silent' }), { INGRESS_QUEUE_LIMIT: 100, INGRESS_WORKSPACE_QUEUE_LIMIT: 11 });
    await expect(g.admitWorkspace('ws_flood')).resolves.toBeUndefined(); // 10 of 11
    g.accepted('ws_flood');
    const refused = await g.admitWorkspace('ws_flood').then(
      () => undefined,
      (e: unknown) => e as ProblemException,
    );
    expect(refused?.getStatus()).toBe(429);
    expect(refused?.headers['Retry-After']).toBe('5');
    expect(refused?.problem.type).toMatch(/workspace-queue-full$/);
    await expect(g.admitWorkspace('ws_calm')).resolves.toBeUndefined();
    await expect(g.admitWorkspace('ws_new')).resolves.toBeUndefined();
    await expect(g.admit()).resolves.toBeUndefined(); // the platform as a whole has room
  });

  it("counts a workspace's own acceptances only after the executors' report, which already holds the earlier ones", async () => {
    await cache.set(QUEUED_JOBS_CACHE_KEY, JSON.stringify({ queued: 0, at: Date.now() }), 5000);
    const g = new IngressBackpressure(queue, cache, pino({ level: 'silent' }), { INGRESS_QUEUE_LIMIT: 100, INGRESS_WORKSPACE_QUEUE_LIMIT: 4 });
    g.accepted('ws_counted');
    g.accepted('ws_counted');
    await sleep(5);
    await cache.set(QUEUED_JOBS_CACHE_KEY, JSON.stringify({ queued: 2, at: Date.now(), byWorkspace: { ws_counted: 2 } }), 5000);
    await sleep(5);
    g.accepted('ws_counted');
    await expect(g.admitWorkspace('ws_counted')).resolves.toBeUndefined(); // 2 reported + 1 after the report, of 4
    g.accepted('ws_counted');
    const refused = await g.admitWorkspace('ws_counted').catch((e: ProblemException) => e);
    expect((refused as ProblemException).getStatus()).toBe(429);
    expect((refused as ProblemException).problem.detail).toMatch(/^About 4 of this workspace's events/);
  });

  it('takes half the global limit as the workspace share by default, and applies an optional per-workspace rate', async () => {
    await cache.set(QUEUED_JOBS_CACHE_KEY, JSON.stringify({ queued: 5, at: Date.now(), byWorkspace: { ws_a: 5 } }), 5000);
    expect(
      await new IngressBackpressure(queue, cache, pino({ level: 'silent' }), { INGRESS_QUEUE_LIMIT: 10 }).admitWorkspace('ws_a').catch((e: ProblemException) => e.getStatus()),
    ).toBe(429);
    const limiters = new RedisRateLimiters(redis);
    const g = new IngressBackpressure(queue, cache, pino({ level: 'silent' }), { INGRESS_WORKSPACE_RATE_LIMIT: 2, INGRESS_WORKSPACE_RATE_WINDOW_SEC: 30 }, limiters);
    await g.admitWorkspace('ws_b');
    await g.admitWorkspace('ws_b');
    const refused = await g.admitWorkspace('ws_b').catch((e: ProblemException) => e);
    expect(refused).toBeInstanceOf(ProblemException);
    expect((refused as ProblemException).getStatus()).toBe(429);
    expect(Number((refused as ProblemException).headers['Retry-After'])).toBeGreaterThan(20);
    await expect(g.admitWorkspace('ws_c')).resolves.toBeUndefined();
    await limiters.create({ name: 'ingress-workspace', points: 2, windowSec: 30 }).reset('ws_b');
  });

  it('is off when the limit is 0', async () => {
    await cache.set(QUEUED_JOBS_CACHE_KEY, JSON.stringify({ queued: 1_000_000, at: Date.now() }), 5000);
    await expect(gate(0).admit()).resolves.toBeUndefined();
  });
});
