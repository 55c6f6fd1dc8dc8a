import { FakeThirdParty, type RecordedRequest } from '@junction/connector-sdk/testing';
import { RegisterConnector } from '@junction/connectors/contracts';
import { waitFor } from '@junction/shared/testing';
import { ExecutorCluster } from './executor-harness';

const WS = 'ws_fold';

/**
 * A new job's first advance, when it issues only calls, has no checkpoint of its own (#19): the
 * effect ledger's intent is the durable record before the send, and the step rows of that advance
 * are written by the next checkpoint. A one-call job is therefore claimed and checkpointed once.
 * SIGKILL after the intent and before that checkpoint: the re-drive recomputes the first advance
 * from the trigger on the job's first-claim clock, so the call input is the same (its `$now()`
 * field too) under the same idempotency key; the not-idempotent action is not sent twice.
 */
describe('executor: a new job`s first checkpoint folded into the next', () => {
  const cluster = new ExecutorCluster(new FakeThirdParty(), { EXECUTOR_LEASE_MS: '2000', EXECUTOR_POLL_INTERVAL_MS: '200' });
  const seen = (path: string): RecordedRequest[] => cluster.sink.requests.filter((r) => r.path === path);
  const holdFirst = (path: string) => (): { status?: number; json?: unknown; hang?: boolean } => (seen(path).length === 1 ? { hang: true } : { status: 200, json: { ok: true } });
  const bodyOf = (r: RecordedRequest) => JSON.parse(r.body) as { n: number; at: string; amount?: number };
  // a deterministic step, then one call whose input reads the clock
  const steps = (call: Record<string, unknown>) => [
    { id: 'shape', set: { n: '{{ trigger.body.n * 2 }}' } },
    { id: 'call', ...call },
  ];
  const rowOf = async (jobId: string) =>
    (await cluster.db.query(`SELECT revision, state IS NULL AS fresh, started_at FROM jobs WHERE id = $1`, [jobId])).rows[0] as {
      revision: number;
      fresh: boolean;
      started_at: Date;
    };

  beforeAll(() => cluster.start(), 90_000);
  afterAll(() => cluster.close(), 60_000);

  it('writes one checkpoint for a job of one call', async () => {
    cluster.sink.on('POST', '/plain', () => ({ status: 200, json: { ok: true } }));
    const recipe = await cluster.runningRecipe(WS, {
      name: 'one call',
      trigger: { type: 'webhook' },
      steps: steps({ action: 'http.request', input: { method: 'POST', url: `${cluster.sink.url}/plain`, body: { n: '{{ vars.n }}', at: '{{ $now() }}' } } }),
    });
    await cluster.publish(recipe, WS, 'plain-1', { n: 3 });
    await waitFor(async () => (await cluster.jobsOf(recipe.id))[0]?.status === 'succeeded', 30_000, 100);
    const [job] = await cluster.jobsOf(recipe.id);
    // revision: 1 for the claim, 1 for the only checkpoint
    const row = await rowOf(job.id);
    expect(row.revision).toBe(2);
    // both advances' step rows, in order, from that one write
    expect((await cluster.stepsOf(job.id)).map((s) => [s.seq, s.step_id, s.status])).toEqual([
      [1, 'shape', 'succeeded'],
      [2, 'call', 'succeeded'],
    ]);
    // $now() of the first advance is the job's first-claim time (started_at)
    expect(seen('/plain').map(bodyOf)).toEqual([{ n: 6, at: row.started_at.toISOString() }]);
  }, 60_000);

  it('re-drives a SIGKILL after the intent to the same call input, and does not repeat a not-idempotent call', async () => {
    cluster.sink.on('POST', '/idem', holdFirst('/idem'));
    cluster.sink.on('POST', '/charge', holdFirst('/charge'));
    await cluster.bus.request(RegisterConnector, {
      workspaceId: WS,
      definition: {
        key: 'fold-e2e',
        displayName: 'Fold e2e',
        baseUrl: cluster.sink.url,
        auth: { kind: 'none' },
        // undeclared idempotency: not idempotent for the ledger
        actions: [{ key: 'charge', displayName: 'Charge', method: 'POST', path: '/charge', body: { amount: '{{ input.amount }}', at: '{{ input.at }}' } }],
      },
    });
    const idem = await cluster.runningRecipe(WS, {
      name: 'idempotent',
      trigger: { type: 'webhook' },
      steps: steps({ action: 'http.request', input: { method: 'POST', url: `${cluster.sink.url}/idem`, body: { n: '{{ vars.n }}', at: '{{ $now() }}' } } }),
    });
    const charge = await cluster.runningRecipe(WS, {
      name: 'not idempotent',
      trigger: { type: 'webhook' },
      steps: steps({ action: 'fold-e2e.charge', input: { amount: '{{ vars.n }}', at: '{{ $now() }}' } }),
    });
    await cluster.publish(idem, WS, 'idem-1', { n: 1 });
    await cluster.publish(charge, WS, 'charge-1', { n: 21 });
    await waitFor(async () => seen('/idem').length === 1 && seen('/charge').length === 1, 30_000, 20);

    const [idemJob] = await cluster.jobsOf(idem.id);
    const [chargeJob] = await cluster.jobsOf(charge.id);
    // the calls are out, and nothing but the claim was written to the jobs: no checkpoint before them
    for (const id of [idemJob.id, chargeJob.id]) expect(await rowOf(id)).toMatchObject({ revision: 1, fresh: true });
    expect(await cluster.count(`SELECT count(*) AS n FROM effect_ledger WHERE job_id = ANY($1) AND outcome IS NULL`, [[idemJob.id, chargeJob.id]])).toBe(2);
    const [victim] = cluster.executors;
    await victim.kill();
    cluster.retired.push(victim);
    cluster.executors = [await cluster.startExecutor()];

    const statusOf = async (recipeId: string) => (await cluster.jobsOf(recipeId))[0].status;
    await waitFor(async () => (await statusOf(idem.id)) === 'succeeded' && (await statusOf(charge.id)) === 'failed', 60_000, 200);

    // idempotent: sent again with the same key and the very same body (the $now() field included)
    const idemStarted = (await rowOf(idemJob.id)).started_at.toISOString();
    expect(seen('/idem').map((r) => r.headers['idempotency-key'])).toEqual([`${idemJob.id}:call:0`, `${idemJob.id}:call:0`]);
    expect(seen('/idem').map(bodyOf)).toEqual([
      { n: 2, at: idemStarted },
      { n: 2, at: idemStarted },
    ]);
    expect((await cluster.stepsOf(idemJob.id)).map((s) => [s.step_id, s.status])).toEqual([
      ['shape', 'succeeded'],
      ['call', 'succeeded'],
    ]);

    // not idempotent: held back as uncertain, its deterministic step recorded once
    expect(await cluster.jobsOf(charge.id)).toMatchObject([{ status: 'failed', error: { kind: 'uncertain', stepId: 'call' } }]);
    expect((await cluster.stepsOf(chargeJob.id)).map((s) => [s.step_id, s.status])).toEqual([
      ['shape', 'succeeded'],
      ['call', 'uncertain'],
    ]);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(seen('/charge').map(bodyOf)).toEqual([{ amount: 42, at: (await rowOf(chargeJob.id)).started_at.toISOString() }]);
  }, 150_000);
});
