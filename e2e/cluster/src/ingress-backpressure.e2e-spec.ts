import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { uniqueNamespace, waitFor } from '@junction/shared/testing';
import { Cluster } from './cluster-harness';

const LIMIT = 10;

/**
 * Spec §5.5: a saturated Junction queues on disk up to a configured limit, then ingress answers
 * 503 with Retry-After and stores nothing; once the queue drains, deliveries are accepted again.
 */
describe('ingress backpressure at the configured queue limit, every service a real process', () => {
  // the global limit alone: one workspace's share of it (half, by default) has its own hostile test (noisy-neighbour)
  const cluster = new Cluster(uniqueNamespace('e2e_bp'), { INGRESS_QUEUE_LIMIT: String(LIMIT), INGRESS_WORKSPACE_QUEUE_LIMIT: '0', HTTP_ACCESS_LOG: 'false' });
  const sink = new FakeThirdParty();
  let hookUrl = '';
  let recipeId = '';

  const deliver = (id: string) => fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-id': id }, body: JSON.stringify({ id }) });

  async function jobCount(): Promise<{ all: number; done: number }> {
    const page = await cluster.call<{ items: { status: string }[] }>('GET', `/v1/jobs?recipeId=${recipeId}&limit=100`);
    return { all: page.body.items.length, done: page.body.items.filter((j) => j.status === 'succeeded').length };
  }

  beforeAll(async () => {
    await sink.start();
    sink.on('POST', '/slow', { status: 200, json: { ok: true }, delayMs: 250 });
    await cluster.start(['gateway', 'auth', 'connectors', 'executor']);
    const recipe = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
      name: 'slow consumer',
      trigger: { type: 'webhook', dedupeHeader: 'x-id' },
      steps: [{ id: 'post', action: 'http.request', input: { method: 'POST', url: `${sink.url}/slow`, body: '{{ trigger.body }}' } }],
      settings: { concurrency: 1 },
    });
    expect(recipe.status).toBe(201);
    recipeId = recipe.body.id;
    hookUrl = await cluster.startHook(recipeId);
  }, 180_000);

  afterAll(async () => {
    await cluster.stop();
    await sink.close();
  }, 60_000);

  it('accepts up to the limit, then answers 503 with Retry-After and stores nothing; accepts again once drained', async () => {
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 40 && !refused; i++) {
      const res = await deliver(`e-${i}`);
      statuses.push(res.status);
      if (res.status === 503) refused = res;
    }
    const accepted = statuses.filter((s) => s === 202).length;
    // never refused below the limit (the backlog is measured, so a little overshoot is allowed, not undershoot)
    expect(statuses.slice(0, LIMIT - 1).every((s) => s === 202)).toBe(true);
    expect(refused).toBeDefined();
    expect(accepted).toBeLessThanOrEqual(LIMIT + 3);
    expect(refused?.headers.get('retry-after')).toBe('5');
    expect(refused?.headers.get('content-type')).toMatch(/problem\+json/);
    expect(await refused?.json()).toMatchObject({ status: 503, type: expect.stringMatching(/queue-full$/) });

    // every accepted event becomes a job; the refused one does not
    await waitFor(async () => (await jobCount()).all === accepted, 20_000);
    await new Promise((r) => setTimeout(r, 500));
    expect((await jobCount()).all).toBe(accepted);

    // the slow sink drains the queue; then the door opens again
    await waitFor(async () => (await jobCount()).done === accepted, 60_000, 250);
    await new Promise((r) => setTimeout(r, 2100)); // a fresh measurement (every second, the executor reports every second)
    expect((await deliver('after-drain')).status).toBe(202);
  }, 120_000);
});
