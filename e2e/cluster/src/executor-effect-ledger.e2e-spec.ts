import { FakeThirdParty, type RecordedRequest } from '@junction/connector-sdk/testing';
import { RegisterConnector } from '@junction/connectors/contracts';
import { GetJob, RerunJob } from '@junction/executor/contracts';
import { waitFor } from '@junction/shared/testing';
import { ExecutorCluster, postTo } from './executor-harness';

const WS = 'ws_ledger';

/**
 * The effect ledger under SIGKILL (#16.6): the executor dies after a call went out and before its
 * outcome was checkpointed (the sink holds the first answer, so the kill lands in between). On the
 * next drive, an idempotent action (http.request: it sends Idempotency-Key) is sent again with the
 * same key; a non-idempotent one (a custom connector's POST, undeclared) is not sent again: its
 * step is `uncertain` and the job fails with error.kind "uncertain", visible in the jobs API; the
 * same action under `onUncertain: retry` is sent again with its key.
 */
describe('executor: effect ledger across a SIGKILL between send and checkpoint', () => {
  const cluster = new ExecutorCluster(new FakeThirdParty(), { EXECUTOR_LEASE_MS: '2000', EXECUTOR_POLL_INTERVAL_MS: '200' });
  const seen = (path: string): RecordedRequest[] => cluster.sink.requests.filter((r) => r.path === path);
  // the first call of each path hangs (the executor is killed while it waits); later ones answer at once
  const holdFirst = (path: string) => (): { status?: number; json?: unknown; hang?: boolean } => (seen(path).length === 1 ? { hang: true } : { status: 200, json: { ok: true } });

  beforeAll(() => cluster.start(), 90_000);
  afterAll(() => cluster.close(), 60_000);

  it('re-sends the idempotent call with the same key once, and holds the other back as uncertain', async () => {
    cluster.sink.on('POST', '/idem', holdFirst('/idem'));
    cluster.sink.on('POST', '/charge', holdFirst('/charge'));
    cluster.sink.on('POST', '/charge-anyway', holdFirst('/charge-anyway'));
    // a custom connector's POST declares nothing: the ledger counts it as not idempotent
    await cluster.bus.request(RegisterConnector, {
      workspaceId: WS,
      definition: {
        key: 'ledger-e2e',
        displayName: 'Ledger e2e',
        baseUrl: cluster.sink.url,
        auth: { kind: 'none' },
        actions: [
          { key: 'charge', displayName: 'Charge', method: 'POST', path: '/charge', body: { amount: '{{ input.amount }}' } },
          { key: 'charge_anyway', displayName: 'Charge (retried)', method: 'POST', path: '/charge-anyway', body: { amount: '{{ input.amount }}' } },
        ],
      },
    });
    const idem = await cluster.runningRecipe(WS, { name: 'idempotent', trigger: { type: 'webhook' }, steps: [{ id: 'send', ...postTo(cluster.sink.url, '/idem', { n: 1 }) }] });
    const charge = await cluster.runningRecipe(WS, {
      name: 'not idempotent',
      trigger: { type: 'webhook' },
      steps: [{ id: 'charge', action: 'ledger-e2e.charge', input: { amount: 42 } }],
    });
    // the recipe accepts a possible repeat instead of a review
    const anyway = await cluster.runningRecipe(WS, {
      name: 'retry when uncertain',
      trigger: { type: 'webhook' },
      steps: [{ id: 'charge', action: 'ledger-e2e.charge_anyway', input: { amount: 7 } }],
      settings: { onUncertain: 'retry' },
    });
    await cluster.publish(idem, WS, 'idem-1', { n: 1 });
    await cluster.publish(charge, WS, 'charge-1', { n: 1 });
    await cluster.publish(anyway, WS, 'anyway-1', { n: 1 });

    // both calls went out and hang: the intents are committed, the outcomes are not
    await waitFor(async () => seen('/idem').length === 1 && seen('/charge').length === 1 && seen('/charge-anyway').length === 1, 30_000, 20);
    const [victim] = cluster.executors;
    await victim.kill();
    cluster.retired.push(victim);
    const ledgerAtKill = (await cluster.db.query(`SELECT action, attempt, sends, outcome FROM effect_ledger ORDER BY action`)).rows;
    expect(ledgerAtKill).toEqual([
      { action: 'http.request', attempt: 1, sends: 1, outcome: null },
      { action: 'ledger-e2e.charge', attempt: 1, sends: 1, outcome: null },
      { action: 'ledger-e2e.charge_anyway', attempt: 1, sends: 1, outcome: null },
    ]);

    cluster.executors = [await cluster.startExecutor()];
    const [idemJob] = await cluster.jobsOf(idem.id);
    const [chargeJob] = await cluster.jobsOf(charge.id);
    const [anywayJob] = await cluster.jobsOf(anyway.id);
    const statusOf = async (recipeId: string) => (await cluster.jobsOf(recipeId))[0].status;
    await waitFor(async () => (await statusOf(idem.id)) === 'succeeded' && (await statusOf(charge.id)) === 'failed' && (await statusOf(anyway.id)) === 'succeeded', 60_000, 200);

    // idempotent: sent twice, with one distinct Idempotency-Key
    expect(seen('/idem')).toHaveLength(2);
    expect(new Set(seen('/idem').map((r) => r.headers['idempotency-key'])).size).toBe(1);
    expect(seen('/idem')[0].headers['idempotency-key']).toBe(`${idemJob.id}:send:0`);

    // not idempotent: not sent again, the step uncertain, the job failed for review
    const job = await cluster.bus.request(GetJob, { workspaceId: WS, id: chargeJob.id });
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ kind: 'uncertain', stepId: 'charge' });
    expect(job.steps.map((s) => [s.stepId, s.status])).toEqual([['charge', 'uncertain']]);
    const ledger = (await cluster.db.query(`SELECT job_id, action, sends, outcome FROM effect_ledger ORDER BY action`)).rows;
    // a call that went out keeps no ok/failed outcome (the checkpoint keeps its result; a later drive decides the same without it, #19)
    expect(ledger).toEqual([
      { job_id: idemJob.id, action: 'http.request', sends: 2, outcome: null },
      { job_id: chargeJob.id, action: 'ledger-e2e.charge', sends: 1, outcome: 'uncertain' },
      { job_id: anywayJob.id, action: 'ledger-e2e.charge_anyway', sends: 2, outcome: null },
    ]);

    // onUncertain: retry: sent again with the same key, the job succeeds
    expect(seen('/charge-anyway')).toHaveLength(2);
    expect(new Set(seen('/charge-anyway').map((r) => r.headers['idempotency-key']))).toEqual(new Set([`${anywayJob.id}:charge:0`]));
    // and nothing repeats it later
    await new Promise((r) => setTimeout(r, 3_000));
    expect(seen('/charge')).toHaveLength(1);

    // the review: the charge did not happen, so the job is rerun: a new attempt group, a new key, sent once
    await cluster.bus.request(RerunJob, { workspaceId: WS, id: chargeJob.id });
    await waitFor(async () => (await statusOf(charge.id)) === 'succeeded', 30_000, 200);
    expect(seen('/charge').map((r) => r.headers['idempotency-key'])).toEqual([`${chargeJob.id}:charge:0`, `${chargeJob.id}:charge:1`]);
  }, 150_000);
});
