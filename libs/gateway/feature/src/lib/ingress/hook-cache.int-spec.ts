import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { connect, type NatsConnection } from 'nats';
import pino from 'pino';
import { HookChanged, ResolveTrigger, type TriggerTarget } from '@junction/executor/contracts';
import { ProblemException } from '@junction/platform/http';
import { ServiceMetrics } from '@junction/platform/metrics';
import { JetStreamQueue, NatsMessageBus } from '@junction/platform/nats';
import { Namespace, RemoteError, type Closable } from '@junction/platform/ports';
import { RedisCache } from '@junction/platform/redis';
import { TEST_SERVERS, dropNatsNamespace, uniqueNamespace, waitFor } from '@junction/shared/testing';
import { IngressBackpressure } from './ingress-backpressure';
import { TriggerIngress } from './trigger-ingress.service';

const TTL_MS = 600;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The gateway's hook cache against a stand-in executor on real NATS: a HookChanged signal drops
 * an entry at once; a missed signal is bounded by HOOK_CACHE_TTL_MS for found and unknown hooks
 * alike; a lookup that failed (executor away) is never remembered.
 */
describe('TriggerIngress hook cache (real NATS and Redis)', () => {
  const namespace = uniqueNamespace('hookcache');
  const ns = new Namespace(namespace);
  const logger = pino({ level: 'silent' });
  /** What the stand-in executor answers per hook id: a state, nothing (unknown), or an outage. */
  const hooks = new Map<string, 'running' | 'stopped' | 'down'>();
  let lookups = 0;
  let nc: NatsConnection;
  let redis: Redis;
  let executor: NatsMessageBus;
  let ingress: TriggerIngress;
  const open: Closable[] = [];

  const hookId = () => randomBytes(24).toString('base64url');
  /** The ingress's answer for a delivery to `id`: the recipe it reaches, or the HTTP status refusing it. */
  const admit = (id: string) =>
    ingress.admitWebhook(id, Date.now()).then(
      (target) => target.recipeId,
      (error: unknown) => (error instanceof ProblemException ? error.getStatus() : error),
    );

  beforeAll(async () => {
    nc = await connect({ servers: TEST_SERVERS.nats });
    executor = new NatsMessageBus(nc, ns, logger, new ServiceMetrics('hc_exec'), 2000);
    open.push(
      await executor.serve(ResolveTrigger, async ({ hookId: id }): Promise<TriggerTarget> => {
        lookups++;
        const state = hooks.get(id ?? '');
        if (state === 'down') throw new RemoteError('unavailable', 'a server this service needs is unavailable; try again');
        if (!state) throw new RemoteError('not_found', 'no such hook or recipe');
        return { workspaceId: 'ws_1', recipeId: `rcp_${id}`, recipeVersion: 1, state, trigger: { type: 'webhook' } };
      }),
    );
    const gatewayBus = new NatsMessageBus(nc, ns, logger, new ServiceMetrics('hc_gw'), 2000);
    const queue = new JetStreamQueue(nc, await nc.jetstreamManager(), nc.jetstream(), ns, logger, new ServiceMetrics('hc_q'), 1);
    redis = new Redis(TEST_SERVERS.redis, { keyPrefix: ns.key('') });
    const backpressure = new IngressBackpressure(queue, new RedisCache(redis), logger);
    ingress = new TriggerIngress(gatewayBus, queue, backpressure, logger, gatewayBus, { HOOK_CACHE_TTL_MS: TTL_MS });
    await ingress.onModuleInit();
  });

  afterAll(async () => {
    await ingress?.onModuleDestroy();
    for (const c of open) await c.close();
    redis?.disconnect();
    await nc?.drain();
    await dropNatsNamespace(TEST_SERVERS.nats, namespace);
  });

  beforeEach(() => {
    lookups = 0;
  });

  it('drops a stale entry the moment the executor signals the hook changed', async () => {
    const id = hookId();
    hooks.set(id, 'stopped');
    expect(await admit(id)).toBe(404);
    hooks.set(id, 'running');
    // without the signal the cached "stopped" stands
    expect(await admit(id)).toBe(404);
    await executor.emit(HookChanged, { hookId: id });
    const reached = await waitFor(async () => ((await admit(id)) === `rcp_${id}` ? Date.now() : undefined), TTL_MS / 2, 10);
    expect(reached).toBeDefined();
    expect(lookups).toBe(2);
  });

  it('remembers an unknown hook too, and forgets it when a recipe starts on it', async () => {
    const id = hookId();
    expect(await admit(id)).toBe(404);
    expect(await admit(id)).toBe(404);
    expect(lookups).toBe(1);
    hooks.set(id, 'running');
    await executor.emit(HookChanged, { hookId: id });
    await waitFor(async () => (await admit(id)) === `rcp_${id}`, TTL_MS / 2, 10);
    expect(lookups).toBe(2);
  });

  it('a gateway that missed the signal answers from a stale entry no longer than the cache lifetime', async () => {
    const found = hookId();
    const unknown = hookId();
    hooks.set(found, 'running');
    expect(await admit(found)).toBe(`rcp_${found}`);
    expect(await admit(unknown)).toBe(404);
    const cachedAt = Date.now();
    // the recipe stops and another starts on the unknown id, and no signal arrives
    hooks.set(found, 'stopped');
    hooks.set(unknown, 'running');
    expect(await admit(found)).toBe(`rcp_${found}`);
    expect(await admit(unknown)).toBe(404);

    await sleep(TTL_MS - (Date.now() - cachedAt) + 20);
    expect(await admit(found)).toBe(404);
    expect(await admit(unknown)).toBe(`rcp_${unknown}`);
  });

  it('never remembers a lookup that failed because the executor could not answer', async () => {
    const id = hookId();
    hooks.set(id, 'down');
    const failed = await admit(id);
    expect(failed).not.toBe(404);
    expect(failed).toBeInstanceOf(RemoteError);
    hooks.set(id, 'running');
    expect(await admit(id)).toBe(`rcp_${id}`);
    expect(lookups).toBe(2);
  });
});
