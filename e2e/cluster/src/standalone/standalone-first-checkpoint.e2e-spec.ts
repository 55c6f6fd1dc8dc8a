import { Client } from 'pg';
import { FakeThirdParty, type RecordedRequest } from '@junction/connector-sdk/testing';
import { waitFor } from '@junction/shared/testing';
import { Cluster } from '../cluster-harness';
import { listAllJobs, stepsOf } from './standalone-api';

/**
 * The folded first checkpoint (#19) in standalone mode: a one-call job is claimed and checkpointed
 * once; SIGKILL of the one process after the ledger intent and before that checkpoint re-drives to
 * the same call input (its `$now()` field, on the job's first-claim clock) under the same key, and
 * a not-idempotent action is held back as `uncertain`, not sent twice.
 */
describe('standalone: a new job`s first checkpoint folded into the next', () => {
  const sink = new FakeThirdParty();
  let cluster: Cluster;
  const holdFirst = (path: string) => () => (sink.requestsTo(path).length === 1 ? { hang: true } : { status: 200, json: { ok: true } });
  const bodyOf = (r: RecordedRequest) => JSON.parse(r.body) as { n: number; at: string };
  const steps = (call: Record<string, unknown>) => [
    { id: 'shape', set: { n: '{{ trigger.body.n * 2 }}' } },
    { id: 'call', ...call },
  ];
  // the embedded server moves to a new port when the process restarts: one short-lived client per read
  const rowOf = async (jobId: string) => {
    const db = new Client({ connectionString: cluster.databaseUrl('executor') });
    await db.connect();
    try {
      return (await db.query(`SELECT revision, state IS NULL AS fresh, started_at FROM jobs WHERE id = $1`, [jobId])).rows[0] as {
        revision: number;
        fresh: boolean;
        started_at: Date;
      };
    } finally {
      await db.end();
    }
  };
  const recipe = async (name: string, call: Record<string, unknown>) => {
    const created = await cluster.call<{ id: string }>('POST', '/v1/recipes', { name, trigger: { type: 'webhook' }, steps: steps(call) });
    expect(created.status).toBe(201);
    return { id: created.body.id, hook: await cluster.startHook(created.body.id) };
  };
  const post = async (hook: string, n: number) => {
    const res = await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n }) });
    expect(res.status).toBe(202);
  };
  const only = async (recipeId: string) => (await listAllJobs(cluster, recipeId))[0];

  beforeAll(async () => {
    await sink.start();
    sink.on('POST', '/plain', () => ({ status: 200, json: { ok: true } }));
    sink.on('POST', '/idem', holdFirst('/idem'));
    sink.on('POST', '/charge', holdFirst('/charge'));
    cluster = Cluster.inMode('standalone', undefined, { EXECUTOR_POLL_INTERVAL_MS: '200', JUNCTION_HTTP_ALLOW: `127.0.0.1:${new URL(sink.url).port}` });
    await cluster.start([]);
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await sink.close();
  }, 60_000);

  it('writes one checkpoint for a job of one call', async () => {
    const plain = await recipe('one call', { action: 'http.request', input: { method: 'POST', url: `${sink.url}/plain`, body: { n: '{{ vars.n }}', at: '{{ $now() }}' } } });
    await post(plain.hook, 3);
    await waitFor(async () => (await only(plain.id))?.status === 'succeeded', 30_000, 100);
    const job = await only(plain.id);
    const row = await rowOf(job.id);
    // 1 for the claim, 1 for the only checkpoint
    expect(row.revision).toBe(2);
    expect((await stepsOf(cluster, job.id)).map((s) => [s.stepId, s.status])).toEqual([
      ['shape', 'succeeded'],
      ['call', 'succeeded'],
    ]);
    expect(sink.requestsTo('/plain').map(bodyOf)).toEqual([{ n: 6, at: row.started_at.toISOString() }]);
  }, 60_000);

  it('re-drives a SIGKILL after the intent to the same call input, and does not repeat a not-idempotent call', async () => {
    const connector = await cluster.call('POST', '/v1/connectors', {
      key: 'fold-sa',
      displayName: 'Fold standalone',
      baseUrl: sink.url,
      auth: { kind: 'none' },
      actions: [{ key: 'charge', displayName: 'Charge', method: 'POST', path: '/charge', body: { n: '{{ input.n }}', at: '{{ input.at }}' } }],
    });
    expect(connector.status).toBe(201);
    const idem = await recipe('idempotent', { action: 'http.request', input: { method: 'POST', url: `${sink.url}/idem`, body: { n: '{{ vars.n }}', at: '{{ $now() }}' } } });
    const charge = await recipe('not idempotent', { action: 'fold-sa.charge', input: { n: '{{ vars.n }}', at: '{{ $now() }}' } });
    await post(idem.hook, 1);
    await post(charge.hook, 21);
    await waitFor(async () => sink.requestsTo('/idem').length === 1 && sink.requestsTo('/charge').length === 1, 30_000, 20);
    const idemJob = await only(idem.id);
    const chargeJob = await only(charge.id);
    // the calls are out with no checkpoint before them: only the claim touched the rows
    for (const { id } of [idemJob, chargeJob]) expect(await rowOf(id)).toMatchObject({ revision: 1, fresh: true });
    await cluster.killAndRestartStandalone();

    await waitFor(async () => (await only(idem.id))?.status === 'succeeded' && (await only(charge.id))?.status === 'failed', 60_000, 200);
    const idemAt = (await rowOf(idemJob.id)).started_at.toISOString();
    expect(sink.requestsTo('/idem').map((r) => r.headers['idempotency-key'])).toEqual([`${idemJob.id}:call:0`, `${idemJob.id}:call:0`]);
    expect(sink.requestsTo('/idem').map(bodyOf)).toEqual([
      { n: 2, at: idemAt },
      { n: 2, at: idemAt },
    ]);
    expect((await stepsOf(cluster, idemJob.id)).map((s) => [s.stepId, s.status])).toEqual([
      ['shape', 'succeeded'],
      ['call', 'succeeded'],
    ]);

    const job = await cluster.call<{ status: string; error: { kind: string }; steps: { stepId: string; status: string }[] }>('GET', `/v1/jobs/${chargeJob.id}`);
    expect(job.body.status).toBe('failed');
    expect(job.body.error.kind).toBe('uncertain');
    expect(job.body.steps.map((s) => [s.stepId, s.status])).toEqual([
      ['shape', 'succeeded'],
      ['call', 'uncertain'],
    ]);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(sink.requestsTo('/charge').map(bodyOf)).toEqual([{ n: 42, at: (await rowOf(chargeJob.id)).started_at.toISOString() }]);
  }, 180_000);
});
