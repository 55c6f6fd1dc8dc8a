import { randomBytes } from 'node:crypto';
import { startServiceProcess, uniqueNamespace, waitFor, type ServiceProcess } from '@junction/shared/testing';
import { Cluster } from '../cluster-harness';

/** What the gateway promises: every replica answers a hook's new state within this long after start/stop answers, ms. */
const AGREEMENT_BOUND_MS = 1_000;
/**
 * Both replicas keep a hook lookup this long: far past the bound, so only the executor's
 * HookChanged signal, not the cache's own expiry, can make them agree in time.
 */
const LONG_CACHE_TTL_MS = 60_000;

/**
 * Hostile tier, stale hooks: a sender must not reach a stopped (or deleted) recipe through one
 * gateway replica while another already refuses it, and a started recipe must not be refused by a
 * replica that remembers it stopped. Two gateway processes with warm caches, the executor and auth.
 */
describe('hostile: a started or stopped hook answers the same on every gateway replica', () => {
  const cluster = new Cluster(uniqueNamespace('e2e_hookrep'), { HOOK_CACHE_TTL_MS: String(LONG_CACHE_TTL_MS) });
  const measured: Record<string, number> = {};
  let replica: ServiceProcess;
  let recipeId = '';
  let hookPath = '';
  let beat = 0;

  const gateways = () => [cluster.gatewayUrl, replica.url];
  const deliver = async (base: string, path = hookPath) =>
    (await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ beat: ++beat }) })).status;
  const statuses = () => Promise.all(gateways().map((base) => deliver(base)));

  /** How long after `since` each replica took to answer `status`, ms. */
  const agreeAfter = (status: number, since: number) =>
    Promise.all(
      gateways().map(async (base) => {
        await waitFor(async () => (await deliver(base)) === status, AGREEMENT_BOUND_MS + 10_000, 50);
        return Date.now() - since;
      }),
    );

  async function lifecycle(action: 'start' | 'stop'): Promise<number> {
    const res = await cluster.call('POST', `/v1/recipes/${recipeId}/${action}`);
    expect(res.status).toBe(200);
    return Date.now();
  }

  beforeAll(async () => {
    await cluster.start(['gateway', 'auth', 'executor']);
    replica = await startServiceProcess('gateway', cluster.env());
    const recipe = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
      name: 'heartbeat',
      trigger: { type: 'webhook' },
      steps: [{ id: 'note', set: { beat: '{{ trigger.body.beat }}' } }],
    });
    expect(recipe.status).toBe(201);
    recipeId = recipe.body.id;
    // the hook id is given at the first start and kept: stopping it right away leaves a known, stopped hook
    hookPath = new URL(await cluster.startHook(recipeId)).pathname;
    await lifecycle('stop');
  }, 180_000);

  afterAll(async () => {
    console.log(`hook state reached both gateway replicas after (ms): ${JSON.stringify(measured)}`);
    await replica?.stop();
    await cluster.stop();
  }, 60_000);

  it('a stopped hook that both replicas remember as stopped answers 202 on both within the bound of start', async () => {
    // warm both caches with "stopped": each would keep that answer for a minute on its own
    expect(await statuses()).toEqual([404, 404]);
    expect(await statuses()).toEqual([404, 404]);

    const started = await lifecycle('start');
    const [first, second] = await agreeAfter(202, started);
    Object.assign(measured, { startFirst: first, startReplica: second });
    expect(first).toBeLessThan(AGREEMENT_BOUND_MS);
    expect(second).toBeLessThan(AGREEMENT_BOUND_MS);
  });

  it('a running hook that both replicas remember as running answers 404 on both within the bound of stop', async () => {
    expect(await statuses()).toEqual([202, 202]);

    const stopped = await lifecycle('stop');
    const [first, second] = await agreeAfter(404, stopped);
    Object.assign(measured, { stopFirst: first, stopReplica: second });
    expect(first).toBeLessThan(AGREEMENT_BOUND_MS);
    expect(second).toBeLessThan(AGREEMENT_BOUND_MS);
    // and stays refused: no replica falls back to an older answer
    expect(await statuses()).toEqual([404, 404]);
  });

  it('a deleted running recipe is refused on both replicas within the bound; an unknown hook id is 404 on both', async () => {
    await lifecycle('start');
    await agreeAfter(202, Date.now());

    const res = await cluster.call('DELETE', `/v1/recipes/${recipeId}`);
    expect(res.status).toBe(200);
    const [first, second] = await agreeAfter(404, Date.now());
    Object.assign(measured, { deleteFirst: first, deleteReplica: second });
    expect(Math.max(first, second)).toBeLessThan(AGREEMENT_BOUND_MS);

    const unknown = `/hooks/${randomBytes(24).toString('base64url')}`;
    expect(await Promise.all(gateways().map((base) => deliver(base, unknown)))).toEqual([404, 404]);
  });
});
