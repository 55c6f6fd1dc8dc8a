import { createHash } from 'node:crypto';
import { uniqueNamespace, waitFor } from '@junction/shared/testing';
import { Cluster } from './cluster-harness';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bodyKey = (body: string) => `sha256:${createHash('sha256').update(body).digest('hex')}`;

/**
 * Dedupe windows over /hooks (issue #12, item 1): a body hash absorbs a sender's retries only
 * within the recipe's short window, so a heartbeat sent again later is a new job; an explicit
 * delivery id dedupes for ever. The job view says which key and window applied; the 202 says only
 * the key and whether it was seen.
 */
describe('webhook dedupe windows, every service a real process', () => {
  const cluster = new Cluster(uniqueNamespace('e2e_dedupe'));

  async function jobs(recipeId: string): Promise<{ id: string; dedupeKey: string }[]> {
    const page = await cluster.call<{ items: { id: string; dedupeKey: string }[] }>('GET', `/v1/jobs?recipeId=${recipeId}&limit=100`);
    expect(page.status).toBe(200);
    return page.body.items;
  }

  async function hook(name: string, trigger: Record<string, unknown>): Promise<{ url: string; recipeId: string }> {
    const recipe = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
      name,
      trigger: { type: 'webhook', ...trigger },
      steps: [{ id: 's', set: { beat: '{{ trigger.body.beat }}' } }],
    });
    expect(recipe.status).toBe(201);
    return { url: await cluster.startHook(recipe.body.id), recipeId: recipe.body.id };
  }

  const post = (url: string, body: string, headers: Record<string, string> = {}) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  beforeAll(async () => {
    await cluster.start(['gateway', 'auth', 'executor']);
  }, 180_000);

  afterAll(() => cluster.stop(), 60_000);

  it('a heartbeat sent three times, spaced past a 2s window, makes three jobs; a retry inside the window makes none', async () => {
    const { url, recipeId } = await hook('heartbeat', { dedupe: { window: '2s' } });
    const body = JSON.stringify({ beat: 'alive' });
    for (let n = 1; n <= 3; n++) {
      const sent = await post(url, body);
      expect(sent.status).toBe(202);
      // the sender learns the key and whether it was seen, nothing of the window
      expect(Object.keys((await sent.json()) as Record<string, unknown>).sort()).toEqual(['dedupeKey', 'duplicate', 'status']);
      const retry = await post(url, body);
      expect(retry.status).toBe(202);
      expect(((await retry.json()) as { dedupeKey: string }).dedupeKey).toBe(bodyKey(body));
      await waitFor(async () => (await jobs(recipeId)).length === n, 20_000);
      await pause(2500);
    }
    await pause(1000);
    const made = await jobs(recipeId);
    expect(made).toHaveLength(3);
    const view = await cluster.call<{ dedupe?: unknown; dedupeKey: string }>('GET', `/v1/jobs/${made[0].id}`);
    expect(view.status).toBe(200);
    expect(view.body.dedupeKey).toBe(bodyKey(body));
    expect(view.body.dedupe).toEqual({ key: 'body-hash', window: '2s' });
  });

  it('without a window in the recipe a body hash absorbs repeats for the default 5 minutes', async () => {
    const { url, recipeId } = await hook('default window', {});
    const body = JSON.stringify({ beat: 'default' });
    expect((await post(url, body)).status).toBe(202);
    await waitFor(async () => (await jobs(recipeId)).length === 1, 20_000);
    await pause(2500);
    expect((await post(url, body)).status).toBe(202);
    await pause(1500);
    const made = await jobs(recipeId);
    expect(made).toHaveLength(1);
    expect((await cluster.call<{ dedupe?: unknown }>('GET', `/v1/jobs/${made[0].id}`)).body.dedupe).toEqual({ key: 'body-hash', window: '5m' });
  });

  it('a delivery id (dedupe.key header) keeps its lasting window, whatever the body window says; window off makes a job per delivery', async () => {
    const { url, recipeId } = await hook('delivery id', { dedupe: { key: 'header:X-Delivery-Id', window: '2s' } });
    expect((await post(url, JSON.stringify({ beat: 1 }), { 'x-delivery-id': 'evt-1' })).status).toBe(202);
    await waitFor(async () => (await jobs(recipeId)).length === 1, 20_000);
    await pause(2500);
    const again = await post(url, JSON.stringify({ beat: 2 }), { 'x-delivery-id': 'evt-1' });
    expect(await again.json()).toEqual({ status: 'accepted', dedupeKey: 'evt-1', duplicate: true });
    await pause(1500);
    const made = await jobs(recipeId);
    expect(made).toHaveLength(1);
    expect((await cluster.call<{ dedupe?: unknown }>('GET', `/v1/jobs/${made[0].id}`)).body.dedupe).toEqual({ key: 'header', window: 'lasting' });

    const off = await hook('no dedupe', { dedupe: { window: 'off' } });
    const body = JSON.stringify({ beat: 'same' });
    for (let i = 0; i < 3; i++) expect((await post(off.url, body)).status).toBe(202);
    await waitFor(async () => (await jobs(off.recipeId)).length === 3, 20_000);
    const offJob = (await jobs(off.recipeId))[0];
    expect((await cluster.call<{ dedupe?: unknown }>('GET', `/v1/jobs/${offJob.id}`)).body.dedupe).toEqual({ key: 'none', window: 'off' });
  });

  it('an expression key dedupes by its value for ever; an event it gives no value for falls back to the body hash and its window', async () => {
    const { url, recipeId } = await hook('expression key', { dedupe: { key: '{{ trigger.body.event.id }}', window: '2s' } });
    expect((await post(url, JSON.stringify({ event: { id: 'e-1' }, beat: 1 }))).status).toBe(202);
    await waitFor(async () => (await jobs(recipeId)).length === 1, 20_000);
    await pause(2500);
    // another body, the same event id, after the body window: the same event
    expect((await post(url, JSON.stringify({ event: { id: 'e-1' }, beat: 2 }))).status).toBe(202);
    expect((await post(url, JSON.stringify({ event: { id: 'e-2' }, beat: 3 }))).status).toBe(202);
    expect((await post(url, JSON.stringify({ beat: 'no id' }))).status).toBe(202);
    await waitFor(async () => (await jobs(recipeId)).length === 3, 20_000);
    await pause(1500);
    const made = await jobs(recipeId);
    expect(made.map((j) => j.dedupeKey).sort()).toEqual(['expr:e-1', 'expr:e-2', bodyKey(JSON.stringify({ beat: 'no id' }))].sort());
    const views = await Promise.all(made.map((j) => cluster.call<{ dedupe?: unknown; dedupeKey: string }>('GET', `/v1/jobs/${j.id}`)));
    expect(views.find((v) => v.body.dedupeKey === 'expr:e-1')?.body.dedupe).toEqual({ key: 'expression', window: 'lasting' });
    expect(views.find((v) => v.body.dedupeKey.startsWith('sha256:'))?.body.dedupe).toEqual({ key: 'body-hash', window: '2s' });
  });

  it('a bad dedupe key or window is a 422 naming the field', async () => {
    for (const [dedupe, path] of [
      [{ window: 'forever' }, '/trigger/dedupe/window'],
      [{ window: '0s' }, '/trigger/dedupe/window'],
      [{ window: '1.5m' }, '/trigger/dedupe/window'],
      [{ key: 'body' }, '/trigger/dedupe/key'],
      [{ key: 'header:' }, '/trigger/dedupe/key'],
      [{ key: '{{ trigger.body.( }}' }, '/trigger/dedupe/key'],
      [{ key: '{{   }}' }, '/trigger/dedupe/key'],
      [{ window: '5m', extra: true }, '/trigger/dedupe/extra'],
    ] as const) {
      const saved = await cluster.call<{ errors?: { path: string; message: string }[] }>('POST', '/v1/recipes', {
        name: 'bad dedupe',
        trigger: { type: 'webhook', dedupe },
        steps: [{ id: 's', set: { a: 1 } }],
      });
      expect(saved.status).toBe(422);
      expect(saved.body.errors?.map((e) => e.path)).toContain(path);
    }
  });
});
