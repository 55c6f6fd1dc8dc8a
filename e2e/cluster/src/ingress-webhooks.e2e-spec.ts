import { createHash, createHmac } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { connect } from 'nats';
import { TEST_SERVERS, uniqueNamespace, waitFor } from '@junction/shared/testing';
import { Cluster } from './cluster-harness';

const HOOK_LIMIT = 4 * 1024 * 1024;

const SECRET = 'whsec-e2e-0123456789abcdef';
const sign = (body: string) => `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
// a signed hook dedupes by what its signature covers (the body), never by the unsigned delivery-id header
const bodyKey = (body: string) => `sha256:${createHash('sha256').update(body).digest('hex')}`;

/**
 * The whole path a webhook takes: gateway ingress (signature checked by the connectors service,
 * dedupe key, JetStream) → executor job → connectors http.request → a local sink.
 */
describe('webhook ingress → jobs → sink, every service a real process', () => {
  const cluster = new Cluster(uniqueNamespace('e2e_hook'), { HOOK_BODY_LIMIT_BYTES: String(HOOK_LIMIT) });
  const sink = new FakeThirdParty();
  let hookUrl = '';
  let recipeId = '';

  async function jobs(status?: string): Promise<{ id: string; status: string; dedupeKey: string }[]> {
    const all: { id: string; status: string; dedupeKey: string }[] = [];
    let cursor: string | undefined;
    do {
      const page = await cluster.call<{ items: { id: string; status: string; dedupeKey: string }[]; nextCursor?: string }>(
        'GET',
        `/v1/jobs?recipeId=${recipeId}&limit=100${status ? `&status=${status}` : ''}${cursor ? `&cursor=${cursor}` : ''}`,
      );
      if (page.status !== 200) throw new Error(`jobs list: ${page.status} ${JSON.stringify(page.body)}`);
      all.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    return all;
  }

  const deliver = (body: string, headers: Record<string, string> = {}) => fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  beforeAll(async () => {
    await sink.start();
    sink.on('POST', '/orders', { status: 200, json: { stored: true } });
    await cluster.start(['gateway', 'auth', 'connectors', 'executor']);
    const connection = await cluster.call<{ id: string }>('POST', '/v1/connections', { name: 'hook secret', connector: 'webhook', credentials: { signingSecret: SECRET } });
    expect(connection.status).toBe(201);
    const recipe = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
      name: 'order webhook to sink',
      trigger: { type: 'webhook', signature: { header: 'x-sig', algorithm: 'hmac-sha256', prefix: 'sha256=', connection: connection.body.id }, dedupeHeader: 'x-delivery-id' },
      steps: [
        { id: 'map', set: { order: '{{ trigger.body.id }}', total: '{{ trigger.body.total }}', customer: '{{ trigger.body.customer.name }}', currency: 'EUR' } },
        { id: 'post', action: 'http.request', input: { method: 'POST', url: `${sink.url}/orders`, body: '{{ vars }}' } },
      ],
    });
    expect(recipe.status).toBe(201);
    recipeId = recipe.body.id;
    hookUrl = await cluster.startHook(recipeId);
  }, 180_000);

  afterAll(async () => {
    await cluster.stop();
    await sink.close();
  }, 60_000);

  it('accepts a signed delivery with 202 and runs it to the sink', async () => {
    const body = JSON.stringify({ id: 'o-1', total: 12.5, customer: { name: 'Ann' } });
    const res = await deliver(body, { 'x-sig': sign(body), 'x-delivery-id': 'd-1' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: 'accepted', dedupeKey: bodyKey(body), duplicate: false });
    await waitFor(async () => (await jobs('succeeded')).length === 1, 20_000);
    expect(sink.requestsTo('/orders')[0].json).toEqual({ order: 'o-1', total: 12.5, customer: 'Ann', currency: 'EUR' });
  });

  it('refuses a bad signature (401), an unknown hook (404) and an oversized body (413), storing nothing', async () => {
    const before = (await jobs()).length;
    const body = JSON.stringify({ id: 'o-x' });
    const wrong = await deliver(body, { 'x-sig': sign(`${body} `), 'x-delivery-id': 'd-x' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('content-type')).toMatch(/problem\+json/);
    const unsigned = await deliver(body, { 'x-delivery-id': 'd-y' });
    expect(unsigned.status).toBe(401);
    const unknown = await fetch(`${cluster.gatewayUrl}/hooks/ABCDEFGHIJKLMNOPQRSTUVWX`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(unknown.status).toBe(404);
    const huge = 'x'.repeat(HOOK_LIMIT + 10);
    const tooLarge = await deliver(JSON.stringify({ huge }), { 'x-sig': sign(huge), 'x-delivery-id': 'd-z' });
    expect(tooLarge.status).toBe(413);
    await new Promise((r) => setTimeout(r, 500));
    expect((await jobs()).length).toBe(before);
  });

  it('takes gzip bodies, refuses an oversized chunked body mid-stream (413) and unknown encodings (415), keeps the trace', async () => {
    const body = JSON.stringify({ id: 'o-gz', total: 3, customer: { name: 'Gus' } });
    const zipped = gzipSync(body);
    const gz = await deliver(zipped as unknown as string, { 'content-encoding': 'gzip', 'x-sig': sign(body), 'x-delivery-id': 'd-gz' });
    expect(gz.status).toBe(202);
    expect(gz.headers.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    await waitFor(() => sink.requestsTo('/orders').some((r) => (r.json as { order?: string }).order === 'o-gz'), 20_000);

    // no Content-Length: the limit is enforced while reading
    const chunks = Array.from({ length: 5 }, () => 'y'.repeat(1024 * 1024));
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.pop();
        if (next) controller.enqueue(new TextEncoder().encode(next));
        else controller.close();
      },
    });
    const chunked = await fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: stream, duplex: 'half' } as RequestInit).catch((e: unknown) => e);
    expect(chunked).toBeInstanceOf(Response);
    expect((chunked as Response).status).toBe(413);

    const odd = await deliver(body, { 'content-encoding': 'compress', 'x-sig': sign(body), 'x-delivery-id': 'd-odd' });
    expect(odd.status).toBe(415);
    expect(odd.headers.get('content-type')).toMatch(/problem\+json/);
    // only POST takes the direct route: anything else is Nest's, which knows no such route
    expect((await fetch(hookUrl)).status).toBe(404);
  });

  it('refuses a NUL character (which Postgres cannot store) with 400 naming where it is, instead of accepting an event that can never run', async () => {
    const before = (await jobs()).length;
    const body = '{"id":"o-nul","customer":{"name":"A\\u0000B"}}';
    const res = await deliver(body, { 'x-sig': sign(body), 'x-delivery-id': 'd-nul' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { path: string }[] }).errors[0].path).toBe('body.customer.name');
    // bytes that are not UTF-8 in a JSON body: refused, not turned into U+FFFD
    const latin1 = Buffer.from('{"id":"o-latin1","customer":{"name":"Jos\xe9"}}', 'latin1');
    const notUtf8 = await deliver(latin1 as unknown as string, { 'x-sig': `sha256=${createHmac('sha256', SECRET).update(latin1).digest('hex')}`, 'x-delivery-id': 'd-latin1' });
    expect(notUtf8.status).toBe(400);
    expect(((await notUtf8.json()) as { errors: { message: string }[] }).errors[0].message).toBe('is not valid UTF-8');
    // the same over the API
    const recipe = await cluster.call<{ id: string }>('POST', '/v1/recipes', { name: 'nul', trigger: { type: 'manual' }, steps: [{ id: 's', set: { a: 1 } }] });
    const run = await cluster.call<{ errors: { path: string }[] }>('POST', `/v1/recipes/${recipe.body.id}/runs`, { list: ['ok', 'x\u0000'] });
    expect(run.status).toBe(400);
    expect(run.body.errors[0].path).toBe('list[1]');
    await new Promise((r) => setTimeout(r, 300));
    expect((await jobs()).length).toBe(before);
  });

  it('makes exactly 450 jobs and 450 sink calls from 500 deliveries with 50 redelivered', async () => {
    const sinkBefore = sink.requestsTo('/orders').length;
    const deliveries = Array.from({ length: 500 }, (_, i) => {
      const n = i < 450 ? i : i - 450; // the last 50 repeat delivery ids 0..49
      const body = JSON.stringify({ id: `bulk-${n}`, total: n, customer: { name: `c${n}` } });
      return { body, headers: { 'x-sig': sign(body), 'x-delivery-id': `bulk-${n}` } };
    });
    const keys = new Set(deliveries.map((d) => bodyKey(d.body)));
    const started = Date.now();
    const statuses: number[] = [];
    for (let i = 0; i < deliveries.length; i += 50) {
      const batch = await Promise.all(deliveries.slice(i, i + 50).map((d) => deliver(d.body, d.headers)));
      statuses.push(...batch.map((r) => r.status));
    }
    expect(statuses.filter((s) => s !== 202)).toEqual([]);
    await waitFor(async () => sink.requestsTo('/orders').length - sinkBefore >= 450 && (await jobs('succeeded')).filter((j) => keys.has(j.dedupeKey)).length >= 450, 120_000, 500);
    await new Promise((r) => setTimeout(r, 1000)); // a duplicate job would show up here
    const bulk = (await jobs()).filter((j) => keys.has(j.dedupeKey));
    expect(bulk).toHaveLength(450);
    expect(new Set(bulk.map((j) => j.dedupeKey)).size).toBe(450);
    expect(sink.requestsTo('/orders').length - sinkBefore).toBe(450);
    process.stdout.write(`500 deliveries → 450 jobs done in ${Date.now() - started} ms\n`);
  }, 180_000);

  it('runs an API-callable recipe with ?wait=true and returns its respond step’s reply; the same Idempotency-Key is one run', async () => {
    const recipe = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
      name: 'quote',
      trigger: { type: 'manual' },
      steps: [
        { id: 'calc', set: { total: '{{ trigger.qty * trigger.price }}' } },
        { id: 'reply', respond: { status: 201, headers: { 'x-quote': 'yes' }, body: { total: '{{ vars.total }}', currency: 'EUR' } } },
      ],
    });
    expect(recipe.status).toBe(201);
    const path = `/v1/recipes/${recipe.body.id}/runs?wait=true&timeoutMs=15000`;
    const first = await cluster.call('POST', path, { qty: 3, price: 2.5 }, undefined, { 'idempotency-key': 'quote-1' });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ total: 7.5, currency: 'EUR' });
    expect(first.headers.get('x-quote')).toBe('yes');
    const again = await cluster.call('POST', path, { qty: 3, price: 2.5 }, undefined, { 'idempotency-key': 'quote-1' });
    expect(again.status).toBe(201);
    const runs = await cluster.call<{ items: unknown[] }>('GET', `/v1/jobs?recipeId=${recipe.body.id}`);
    expect(runs.body.items).toHaveLength(1);
    const accepted = await cluster.call<{ status: string; runId: string }>('POST', `/v1/recipes/${recipe.body.id}/runs`, { qty: 1, price: 1 });
    expect(accepted.status).toBe(202);
    expect(accepted.body.status).toBe('accepted');
    expect((await cluster.call('POST', path, { qty: 1 }, undefined, { 'idempotency-key': 'k'.repeat(256) })).status).toBe(400);
    expect((await cluster.call('POST', `/v1/recipes/rcp_01JF8Z5Q3V7X9B2C4D6E8G0H1K/runs`, {})).status).toBe(404);
  });

  it('carries a 3 MB webhook by claim check through every hop: one job, the whole body at the sink', async () => {
    sink.on('POST', '/large', { status: 200, json: { stored: true } });
    const recipe = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
      name: 'large upload',
      trigger: { type: 'webhook' },
      steps: [
        { id: 'count', set: { rows: '{{ $count(trigger.body.rows) }}' } },
        { id: 'post', action: 'http.request', input: { method: 'POST', url: `${sink.url}/large`, body: '{{ trigger.body }}' } },
        { id: 'done', set: { status: '{{ steps.post.status }}' } },
      ],
    });
    expect(recipe.status).toBe(201);
    const url = await cluster.startHook(recipe.body.id);
    const rows = Array.from({ length: 30_000 }, (_, n) => ({ n, sku: `sku-${n}`, note: `line ${n} `.padEnd(70, '-') }));
    const body = JSON.stringify({ batch: 'b-1', rows });
    expect(body.length).toBeGreaterThan(3_000_000);

    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'big-1' }, body });
    expect(res.status).toBe(202);
    await waitFor(() => sink.requestsTo('/large').length === 1, 60_000, 200);
    expect(sink.requestsTo('/large')[0].json).toEqual({ batch: 'b-1', rows });

    const list = await cluster.call<{ items: { id: string; status: string }[] }>('GET', `/v1/jobs?recipeId=${recipe.body.id}`);
    await waitFor(async () => (await cluster.call<{ status: string }>('GET', `/v1/jobs/${list.body.items[0].id}`)).body.status === 'succeeded', 20_000);
    const job = await cluster.call<{ steps: { stepId: string; output: unknown }[] }>('GET', `/v1/jobs/${list.body.items[0].id}`);
    expect(job.body.steps.find((st) => st.stepId === 'count')?.output).toEqual({ rows: 30_000 });

    // the trigger event and the action call went through NATS as references to stored copies
    const nc = await connect({ servers: TEST_SERVERS.nats });
    try {
      const triggers = await nc.jetstream().views.os(`${cluster.namespace.toUpperCase()}_CLAIMS_TRIGGERS`);
      expect((await triggers.list()).length).toBe(1);
      // the action's input went by claim too; its copy was deleted after the call, leaving a marker
      const rpc = await (await nc.jetstreamManager()).streams.info(`OBJ_${cluster.namespace.toUpperCase()}_CLAIMS_RPC`);
      expect(rpc.state.messages).toBeGreaterThan(0);
    } finally {
      await nc.close();
    }
  }, 90_000);

  it('answers 404 once the recipe is stopped', async () => {
    expect((await cluster.call('POST', `/v1/recipes/${recipeId}/stop`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100)); // the gateway reuses a hook's target for up to 1 s
    const body = JSON.stringify({ id: 'late' });
    expect((await deliver(body, { 'x-sig': sign(body), 'x-delivery-id': 'late' })).status).toBe(404);
  });
});
