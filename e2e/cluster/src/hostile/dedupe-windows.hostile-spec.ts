import { createHmac } from 'node:crypto';
import { uniqueNamespace, waitFor } from '@junction/shared/testing';
import { Cluster } from '../cluster-harness';

const SECRET = 'whsec-dedupe-0123456789abcdef';
const hmacHex = (payload: string) => createHmac('sha256', SECRET).update(payload).digest('hex');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Hostile tier (webhook replay through dedupe windows): a short body-hash window must not reopen
 * replay. An attacker who captured a signed delivery without a timestamp replays it after the
 * recipe's window has passed, with and without a fresh delivery-id header: no second job. With a
 * timestamp the key is the signed payload: the same capture is a duplicate, a fresh signature a new event.
 */
describe('dedupe windows do not reopen replay (hostile)', () => {
  const cluster = new Cluster(uniqueNamespace('hx_dedupe'));
  let secretConn = '';

  async function jobCount(recipeId: string): Promise<number> {
    const page = await cluster.call<{ items: unknown[] }>('GET', `/v1/jobs?recipeId=${recipeId}&limit=100`);
    expect(page.status).toBe(200);
    return page.body.items.length;
  }

  async function hook(name: string, trigger: Record<string, unknown>): Promise<{ url: string; recipeId: string }> {
    const recipe = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
      name,
      trigger: { type: 'webhook', ...trigger },
      steps: [{ id: 's', set: { got: '{{ trigger.body.n }}' } }],
    });
    expect(recipe.status).toBe(201);
    return { url: await cluster.startHook(recipe.body.id), recipeId: recipe.body.id };
  }

  const post = (url: string, body: string, headers: Record<string, string>) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  beforeAll(async () => {
    await cluster.start(['gateway', 'auth', 'connectors', 'executor']);
    const secret = await cluster.call<{ id: string }>('POST', '/v1/connections', { name: 'signing', connector: 'webhook', credentials: { signingSecret: SECRET } });
    expect(secret.status).toBe(201);
    secretConn = secret.body.id;
  }, 180_000);

  afterAll(() => cluster.stop(), 60_000);

  it('a signed delivery without a timestamp, replayed after the 2s window (fresh delivery ids too), makes no new job', async () => {
    const { url, recipeId } = await hook('signed, short window', {
      signature: { header: 'x-sig', algorithm: 'hmac-sha256', connection: secretConn },
      dedupe: { key: 'header:X-Delivery-Id', window: '2s' },
    });
    const body = JSON.stringify({ n: 1 });
    const first = await post(url, body, { 'x-sig': hmacHex(body), 'x-delivery-id': 'd-1' });
    expect(first.status).toBe(202);
    await waitFor(async () => (await jobCount(recipeId)) === 1, 20_000);
    const view = await cluster.call<{ items: { id: string }[] }>('GET', `/v1/jobs?recipeId=${recipeId}&limit=1`);
    expect((await cluster.call<{ dedupe?: unknown }>('GET', `/v1/jobs/${view.body.items[0].id}`)).body.dedupe).toEqual({ key: 'signed-body-hash', window: 'lasting' });
    await pause(2500);
    for (const headers of [{ 'x-delivery-id': 'd-1' }, { 'x-delivery-id': 'd-fresh' }, {}] as Record<string, string>[]) {
      const replay = await post(url, body, { 'x-sig': hmacHex(body), ...headers });
      expect(replay.status).toBe(202);
      expect(await replay.json()).toMatchObject({ duplicate: true });
    }
    await pause(1500);
    expect(await jobCount(recipeId)).toBe(1);
  });

  it('a body crafted against the dedupe expression (wrong types, objects, a huge id) never swallows another event nor answers 5xx', async () => {
    const { url, recipeId } = await hook('expression key', { dedupe: { key: '{{ $string(trigger.body.id) & "-" & $uppercase(trigger.body.kind) }}', window: '2s' } });
    const bodies = [
      { id: 1, kind: 'a', n: 1 },
      { id: 1, kind: { nested: true }, n: 2 }, // $uppercase of an object: the expression fails on this event
      { id: 'x'.repeat(5000), kind: 'a', n: 3 }, // a key longer than the column takes: hashed
      { id: [1, 2], kind: 'a', n: 4 },
    ];
    for (const body of bodies) expect((await post(url, JSON.stringify(body), {})).status).toBe(202);
    await waitFor(async () => (await jobCount(recipeId)) === bodies.length, 20_000);
    await pause(1500);
    expect(await jobCount(recipeId)).toBe(bodies.length);
    // the same id again: still deduped by the expression, whatever else the body says
    expect((await post(url, JSON.stringify({ id: 1, kind: 'a', n: 5 }), {})).status).toBe(202);
    await pause(1500);
    expect(await jobCount(recipeId)).toBe(bodies.length);
    expect(cluster.services.get('executor')?.output.some((l) => l.includes('dedupe key expression failed'))).toBe(true);
  });

  it('a timestamped signature: the captured delivery replayed inside its tolerance is a duplicate, a fresh signature of the same body is a new job', async () => {
    const { url, recipeId } = await hook('signed with timestamp', {
      signature: { header: 'x-sig', algorithm: 'hmac-sha256', timestampHeader: 'x-ts', toleranceSeconds: 300, connection: secretConn },
      dedupe: { window: '2s' },
    });
    const body = JSON.stringify({ n: 2 });
    const ts = String(Math.floor(Date.now() / 1000) - 5);
    expect((await post(url, body, { 'x-sig': hmacHex(`${ts}.${body}`), 'x-ts': ts })).status).toBe(202);
    await waitFor(async () => (await jobCount(recipeId)) === 1, 20_000);
    await pause(2500);
    const replay = await post(url, body, { 'x-sig': hmacHex(`${ts}.${body}`), 'x-ts': ts });
    expect(await replay.json()).toMatchObject({ duplicate: true });
    const now = String(Math.floor(Date.now() / 1000));
    expect((await post(url, body, { 'x-sig': hmacHex(`${now}.${body}`), 'x-ts': now })).status).toBe(202);
    await waitFor(async () => (await jobCount(recipeId)) === 2, 20_000);
    await pause(1500);
    expect(await jobCount(recipeId)).toBe(2);
  });
});
