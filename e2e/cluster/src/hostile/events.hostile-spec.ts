import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { waitFor } from '@junction/shared/testing';
import { Cluster } from '../cluster-harness';

interface Problem {
  status: number;
  errors?: { path: string; message: string }[];
}
interface Delivered {
  id: string;
  duplicate: boolean;
  resumed: number;
}

/**
 * `POST /v1/events` (issue #16.2) in the wrong hands: keys are per workspace (another workspace's
 * event with my name, key and id resumes nothing of mine, and does not spend my id); roles below
 * operator are refused; names starting with `$` (the platform's: approvals) are a 422; bad
 * names, keys, ids and oversize data are 400 problem+json naming the field; no key, no access.
 */
describe('events (hostile)', () => {
  const sink = new FakeThirdParty();
  let cluster: Cluster;
  let otherKey = '';
  let hook = '';

  const send = (body: unknown, key?: string) => cluster.call<Delivered>('POST', '/v1/events', body, key);
  const expectProblem = (answer: { status: number; headers: Headers; body: unknown }, status: number, path?: string) => {
    expect(answer.status).toBe(status);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    if (path) expect(((answer.body as Problem).errors ?? []).map((e) => e.path)).toContain(path);
  };

  beforeAll(async () => {
    await sink.start();
    sink.on('POST', '/resumed', () => ({ status: 200, json: { ok: true } }));
    cluster = Cluster.inMode('cluster', undefined, { EXECUTOR_POLL_INTERVAL_MS: '200', JUNCTION_HTTP_ALLOW: `127.0.0.1:${new URL(sink.url).port}` });
    await cluster.start(['gateway', 'auth', 'connectors', 'scheduler', 'executor', 'audit']);
    const created = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
      name: 'waits',
      trigger: { type: 'webhook' },
      steps: [
        { id: 'paid', waitFor: { event: 'order.paid', key: '{{ trigger.body.order }}' } },
        { id: 'ship', action: 'http.request', input: { method: 'POST', url: `${sink.url}/resumed`, body: { order: '{{ steps.paid.key }}', by: '{{ steps.paid.data.by }}' } } },
      ],
    });
    expect(created.status).toBe(201);
    hook = await cluster.startHook(created.body.id);
    otherKey = (await cluster.call<{ apiKey: { key: string } }>('POST', '/v1/workspaces', { name: 'other' }, cluster.rootToken)).body.apiKey.key;
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
    await sink.close();
  }, 60_000);

  it("another workspace's event with my name, key and id resumes nothing of mine; mine then does", async () => {
    const res = await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ order: 'shared-key' }) });
    expect(res.status).toBe(202);
    await new Promise((r) => setTimeout(r, 2_000));
    const theirs = await send({ name: 'order.paid', key: 'shared-key', id: 'evt-1', data: { by: 'other' } }, otherKey);
    expect(theirs.status).toBe(202);
    expect(theirs.body).toEqual({ id: 'evt-1', duplicate: false, resumed: 0 });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(sink.requestsTo('/resumed')).toHaveLength(0);
    // ids are per workspace too: theirs did not use mine up
    const mine = await send({ name: 'order.paid', key: 'shared-key', id: 'evt-1', data: { by: 'me' } });
    expect(mine.body).toEqual({ id: 'evt-1', duplicate: false, resumed: 1 });
    await waitFor(async () => sink.requestsTo('/resumed').length === 1, 20_000, 100);
    expect(sink.requestsTo('/resumed')[0].json).toEqual({ order: 'shared-key', by: 'me' });
  }, 60_000);

  it('refuses an auditor and a builder (operator or above only), and an unauthenticated or bad key', async () => {
    for (const role of ['auditor', 'builder']) {
      const key = await cluster.call<{ key: string }>('POST', '/v1/api-keys', { name: role, role });
      expect(key.status).toBe(201);
      expectProblem(await send({ name: 'order.paid', key: 'k', id: `evt-${role}` }, key.body.key), 403);
    }
    const operator = await cluster.call<{ key: string }>('POST', '/v1/api-keys', { name: 'operator', role: 'operator' });
    expect((await send({ name: 'order.paid', key: 'k', id: 'evt-operator' }, operator.body.key)).status).toBe(202);
    const anonymous = await fetch(`${cluster.gatewayUrl}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'order.paid', key: 'k', id: 'x' }),
    });
    expect(anonymous.status).toBe(401);
    expectProblem(await send({ name: 'order.paid', key: 'k', id: 'evt-bad-key' }, 'jk_not_a_key'), 401);
  });

  it('refuses names starting with $ (the platform resolves approvals with them) with a 422 naming name', async () => {
    for (const name of ['$approval', '$anything']) {
      const answer = await send({ name, key: 'apr_01', id: `evt-${name.slice(1)}`, data: { decision: 'approved' } });
      expectProblem(answer, 422, 'name');
    }
  });

  it('answers bad input with a 400 naming the field', async () => {
    const ok = { name: 'order.paid', key: 'k', id: 'evt-ok' };
    expectProblem(await send({ ...ok, name: 'has space' }), 400, 'name');
    expectProblem(await send({ ...ok, name: '' }), 400, 'name');
    expectProblem(await send({ ...ok, name: 'x'.repeat(129) }), 400, 'name');
    expectProblem(await send({ ...ok, key: '' }), 400, 'key');
    expectProblem(await send({ ...ok, key: 'k'.repeat(257) }), 400, 'key');
    expectProblem(await send({ ...ok, key: 42 }), 400, 'key');
    const { id: _id, ...withoutId } = ok;
    expectProblem(await send(withoutId), 400, 'id');
    expectProblem(await send({ ...ok, id: 'bad id/../x' }), 400, 'id');
    expectProblem(await send({ ...ok, id: 'i'.repeat(129) }), 400, 'id');
    expectProblem(await send({ ...ok, id: 'evt-big', data: { blob: 'x'.repeat(70_000) } }), 400, 'data');
    expectProblem(await send({ ...ok, unexpected: true }), 400, 'unexpected');
    // nothing above was stored: the id is still free
    expect((await send({ ...ok, id: 'evt-big' })).body).toMatchObject({ duplicate: false });
  });
});
