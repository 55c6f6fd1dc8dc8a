import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { waitFor } from '@junction/shared/testing';
import { Cluster } from '../cluster-harness';
import { listAllJobs } from './standalone-api';

/**
 * The effect ledger in standalone mode (#16.6): SIGKILL of the one process while the sink holds the
 * first answer of an idempotent call (http.request) and of a not-idempotent one (a custom
 * connector's POST); after the restart the first is re-sent with the same key, the second is held
 * back as `uncertain` (the job failed, error.kind "uncertain", in GET /v1/jobs/:id) and not repeated.
 */
describe('standalone: effect ledger across a SIGKILL between send and checkpoint', () => {
  const sink = new FakeThirdParty();
  let cluster: Cluster;
  const holdFirst = (path: string) => () => (sink.requestsTo(path).length === 1 ? { hang: true } : { status: 200, json: { ok: true } });

  beforeAll(async () => {
    await sink.start();
    sink.on('POST', '/idem', holdFirst('/idem'));
    sink.on('POST', '/charge', holdFirst('/charge'));
    cluster = Cluster.inMode('standalone', undefined, { EXECUTOR_POLL_INTERVAL_MS: '200', JUNCTION_HTTP_ALLOW: `127.0.0.1:${new URL(sink.url).port}` });
    await cluster.start([]);
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await sink.close();
  }, 60_000);

  it('re-sends the idempotent call with its key and holds the other back as uncertain', async () => {
    const connector = await cluster.call('POST', '/v1/connectors', {
      key: 'ledger-sa',
      displayName: 'Ledger standalone',
      baseUrl: sink.url,
      auth: { kind: 'none' },
      actions: [{ key: 'charge', displayName: 'Charge', method: 'POST', path: '/charge', body: { amount: '{{ input.amount }}' } }],
    });
    expect(connector.status).toBe(201);
    const recipe = async (name: string, step: Record<string, unknown>) => {
      const created = await cluster.call<{ id: string }>('POST', '/v1/recipes', { name, trigger: { type: 'webhook' }, steps: [{ id: 'call', ...step }] });
      expect(created.status).toBe(201);
      return { id: created.body.id, hook: await cluster.startHook(created.body.id) };
    };
    const idem = await recipe('idempotent', { action: 'http.request', input: { method: 'POST', url: `${sink.url}/idem`, body: { n: 1 } } });
    const charge = await recipe('not idempotent', { action: 'ledger-sa.charge', input: { amount: 42 } });
    for (const { hook } of [idem, charge]) {
      const res = await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' });
      expect(res.status).toBe(202);
    }
    await waitFor(async () => sink.requestsTo('/idem').length === 1 && sink.requestsTo('/charge').length === 1, 30_000, 20);
    await cluster.killAndRestartStandalone();

    const only = async (recipeId: string) => (await listAllJobs(cluster, recipeId))[0];
    await waitFor(async () => (await only(idem.id))?.status === 'succeeded' && (await only(charge.id))?.status === 'failed', 60_000, 200);
    expect(sink.requestsTo('/idem')).toHaveLength(2);
    expect(new Set(sink.requestsTo('/idem').map((r) => r.headers['idempotency-key'])).size).toBe(1);

    const job = await cluster.call<{ status: string; error: { kind: string }; steps: { stepId: string; status: string }[] }>('GET', `/v1/jobs/${(await only(charge.id)).id}`);
    expect(job.body.status).toBe('failed');
    expect(job.body.error.kind).toBe('uncertain');
    expect(job.body.steps.map((s) => [s.stepId, s.status])).toEqual([['call', 'uncertain']]);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(sink.requestsTo('/charge')).toHaveLength(1);
  }, 180_000);
});
