import { createHmac } from 'node:crypto';
import { uniqueNamespace } from '@junction/shared/testing';
import { Cluster } from '../cluster-harness';

const SECRET = 'whsec-replay-0123456789abcdef';
const hmacHex = (payload: string) => createHmac('sha256', SECRET).update(payload).digest('hex');
const settle = () => new Promise((r) => setTimeout(r, 1500));

/**
 * Hostile tier, class 7/8 (webhook signatures): an attacker who captured one signed delivery
 * replays it under fresh delivery ids, forges signatures to learn the configuration, and points
 * a hook at a connection of another connector. None of it may make a second job, leak a
 * connection id or configuration, or answer 5xx.
 */
describe('webhook replay and refusals (hostile)', () => {
  const cluster = new Cluster(uniqueNamespace('hx_replay'));
  let secretConn = '';
  let stripeConn = '';

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
    const stripe = await cluster.call<{ id: string }>('POST', '/v1/connections', {
      name: 'stripe',
      connector: 'stripe',
      credentials: { token: 'sk_test_x', signingSecret: SECRET },
    });
    expect([secret.status, stripe.status]).toEqual([201, 201]);
    [secretConn, stripeConn] = [secret.body.id, stripe.body.id];
  }, 180_000);

  afterAll(() => cluster.stop(), 60_000);

  it('a captured body-only-signed delivery replayed with fresh delivery-id headers makes no second job', async () => {
    const { url, recipeId } = await hook('body signed', { signature: { header: 'x-sig', algorithm: 'hmac-sha256', connection: secretConn }, dedupeHeader: 'x-delivery-id' });
    const body = JSON.stringify({ n: 1 });
    const first = await post(url, body, { 'x-sig': hmacHex(body), 'x-delivery-id': 'd-1' });
    expect(first.status).toBe(202);
    expect(await first.json()).toMatchObject({ duplicate: false });
    for (const id of ['d-2', 'd-3', 'totally-new']) {
      const replay = await post(url, body, { 'x-sig': hmacHex(body), 'x-delivery-id': id });
      expect(replay.status).toBe(202);
      expect(await replay.json()).toMatchObject({ duplicate: true });
    }
    await settle();
    expect(await jobCount(recipeId)).toBe(1);
  });

  it('the shorthand keeps timestampHeader: a stale or missing timestamp is refused, a replay of a fresh one under a new id is a duplicate', async () => {
    const { url, recipeId } = await hook('timestamped', {
      signature: { header: 'x-sig', algorithm: 'hmac-sha256', timestampHeader: 'x-ts', toleranceSeconds: 60, connection: secretConn },
      dedupeHeader: 'x-delivery-id',
    });
    const body = JSON.stringify({ n: 2 });
    const stale = String(Math.floor(Date.now() / 1000) - 600);
    expect((await post(url, body, { 'x-sig': hmacHex(`${stale}.${body}`), 'x-ts': stale })).status).toBe(401);
    // signed over the body alone (what dropping timestampHeader used to accept): refused
    expect((await post(url, body, { 'x-sig': hmacHex(body) })).status).toBe(401);
    const now = String(Math.floor(Date.now() / 1000));
    expect((await post(url, body, { 'x-sig': hmacHex(`${now}.${body}`), 'x-ts': now, 'x-delivery-id': 'a' })).status).toBe(202);
    const replay = await post(url, body, { 'x-sig': hmacHex(`${now}.${body}`), 'x-ts': now, 'x-delivery-id': 'b' });
    expect(await replay.json()).toMatchObject({ duplicate: true });
    await settle();
    expect(await jobCount(recipeId)).toBe(1);
  });

  it('a signature mismatch answers a bare 401 problem: no connection id, header name, algorithm or reason', async () => {
    const { url } = await hook('mismatch', { signature: { header: 'x-secret-sig', algorithm: 'hmac-sha512', prefix: 'v9=', connection: secretConn } });
    for (const headers of [{ 'x-secret-sig': 'v9=00' }, {}] as Record<string, string>[]) {
      const res = await post(url, '{}', headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      const text = await res.text();
      for (const secretish of [secretConn, 'x-secret-sig', 'sha512', 'v9=', 'connection', 'signingSecret', 'does not match', 'missing']) expect(text).not.toContain(secretish);
    }
    // the operator still learns why, from the gateway's log
    expect(cluster.services.get('gateway')?.output.some((l) => l.includes('webhook delivery refused'))).toBe(true);
  });

  it('a hook whose signature names a connection of another connector: saving it is a 422 naming the path', async () => {
    const trigger = { type: 'webhook', signature: { header: 'x-sig', algorithm: 'hmac-sha256', connection: stripeConn } };
    const saved = await cluster.call<{ errors?: { path: string; message: string }[] }>('POST', '/v1/recipes', {
      name: 'wrong connector',
      trigger,
      steps: [{ id: 's', set: { a: 1 } }],
    });
    expect(saved.status).toBe(422);
    expect(saved.body.errors).toEqual([expect.objectContaining({ path: '/trigger/signature/connection', message: expect.stringMatching(/connector stripe, not webhook/) })]);
    const step = await cluster.call('POST', '/v1/recipes', {
      name: 'wrong step',
      trigger: { type: 'manual' },
      steps: [{ id: 's', action: 'github.get_user', connection: stripeConn, input: { login: 'x' } }],
    });
    expect(step.status).toBe(422);
  });

  it('a hook whose signing connection is gone answers its senders 401 without naming it (never 5xx)', async () => {
    const doomed = await cluster.call<{ id: string }>('POST', '/v1/connections', { name: 'doomed', connector: 'webhook', credentials: { signingSecret: SECRET } });
    const { url, recipeId } = await hook('orphaned', { signature: { header: 'x-sig', algorithm: 'hmac-sha256', connection: doomed.body.id } });
    expect((await cluster.call('DELETE', `/v1/connections/${doomed.body.id}`)).status).toBeLessThan(300);
    const body = JSON.stringify({ n: 3 });
    const res = await post(url, body, { 'x-sig': hmacHex(body) });
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain(doomed.body.id);
    await settle();
    expect(await jobCount(recipeId)).toBe(0);
  });
});
