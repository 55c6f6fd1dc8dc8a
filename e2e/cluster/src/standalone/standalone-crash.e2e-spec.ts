import { FakeThirdParty, type RecordedRequest } from '@junction/connector-sdk/testing';
import { waitFor } from '@junction/shared/testing';
import { Cluster } from '../cluster-harness';
import { listAllJobs, stepsOf, type JobRow } from './standalone-api';

// EXECUTOR_LEASE_MS's default, left unset here
const DEFAULT_LEASE_MS = 15_000;

type Outcome = 'accepted' | 'unknown' | `status ${number}`;

/**
 * The standalone guarantee of a 202 (docs/guarantees.md): the event is committed in the embedded
 * database before the answer, so SIGKILL of the one process — queue, executor and database client
 * alike — loses none, and the restarted process re-drives the jobs from their checkpoints. Seen
 * only through the API and a third party the recipe calls, as a user would.
 */
describe('standalone: SIGKILL with accepted events queued and jobs mid-step', () => {
  const sink = new FakeThirdParty();
  let cluster: Cluster;

  beforeAll(async () => {
    await sink.start();
    sink.on('POST', '/slow', { status: 200, json: { ok: true }, delayMs: 300 });
    sink.on('POST', '/after', { status: 200, json: { ok: true } });
    // the default lease: the restarted process hands back the killed one's leases at start instead of waiting them out
    cluster = Cluster.inMode('standalone', undefined, {
      EXECUTOR_POLL_INTERVAL_MS: '200',
      JUNCTION_HTTP_ALLOW: `127.0.0.1:${new URL(sink.url).port}`,
    });
    await cluster.start([]);
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await sink.close();
  }, 60_000);

  it('turns every accepted event into exactly one job, loses none, and repeats no completed step', async () => {
    const post = (path: string) => ({ action: 'http.request', input: { method: 'POST', url: `${sink.url}${path}`, body: { n: '{{ vars.n }}' } } });
    const recipe = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
      name: 'crash sink',
      trigger: { type: 'webhook', dedupeHeader: 'x-event-id' },
      steps: [
        { id: 'map', set: { n: '{{ trigger.body.n }}' } },
        { id: 'slow', ...post('/slow') },
        { id: 'after', ...post('/after') },
      ],
      settings: { concurrency: 12 },
    });
    expect(recipe.status).toBe(201);
    const hookPath = new URL(await cluster.startHook(recipe.body.id)).pathname;

    const outcomes = new Map<string, Outcome>();
    const deliver = async (id: string, n: number) => {
      try {
        const res = await fetch(`${cluster.gatewayUrl}${hookPath}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-event-id': id },
          body: JSON.stringify({ n }),
        });
        outcomes.set(id, res.status === 202 ? 'accepted' : `status ${res.status}`);
      } catch {
        // cut by the kill: maybe stored, maybe not, and the sender cannot tell
        outcomes.set(id, 'unknown');
      }
    };
    const acceptedIds = () => [...outcomes].filter(([, o]) => o === 'accepted').map(([id]) => id);
    const succeeded = async () => (await listAllJobs(cluster, recipe.body.id)).filter((j) => j.status === 'succeeded').length;

    for (let i = 0; i < 200; i += 20) await Promise.all(Array.from({ length: 20 }, (_, j) => deliver(`e-${i + j}`, i + j)));
    expect(acceptedIds()).toHaveLength(200);
    await waitFor(async () => (await succeeded()) >= 40, 30_000, 50);

    // a steady stream of deliveries, killed once 30 more are accepted: the last 202s come just before the kill
    let sending = true;
    let next = 0;
    const sender = async () => {
      while (sending) {
        const n = next++;
        await deliver(`late-${n}`, 1000 + n);
      }
    };
    const senders = Array.from({ length: 6 }, sender);
    await waitFor(() => acceptedIds().filter((id) => id.startsWith('late-')).length >= 30, 20_000, 2);
    await cluster.standalone?.kill();
    const killedAt = Date.now();
    sending = false;
    await Promise.all(senders);
    const doneAtKill = sink.requestsTo('/after').length;
    const midCall = sink.requestsTo('/slow').length - doneAtKill;

    // while the process is down nothing can be accepted: the connection is refused
    const down = await fetch(`${cluster.gatewayUrl}${hookPath}`, { method: 'POST', headers: { 'x-event-id': 'while-down' }, body: '{}' }).then(
      (res) => `status ${res.status}`,
      (error: { cause?: { code?: string } }) => error.cause?.code,
    );
    expect(down).toBe('ECONNREFUSED');

    const restartAt = Date.now();
    await cluster.killAndRestartStandalone();
    const readyMs = Date.now() - restartAt;
    const accepted = new Set(acceptedIds());
    const unknown = new Set([...outcomes].filter(([, o]) => o === 'unknown').map(([id]) => id));
    expect([...outcomes.values()].filter((o) => o.startsWith('status'))).toEqual([]);

    let jobs: JobRow[] = [];
    await waitFor(
      async () => {
        jobs = await listAllJobs(cluster, recipe.body.id);
        const done = new Set(jobs.filter((j) => j.status === 'succeeded').map((j) => j.dedupeKey));
        return [...accepted].every((id) => done.has(id)) && jobs.every((j) => j.status === 'succeeded');
      },
      90_000,
      200,
    );
    const recoveredS = (Date.now() - killedAt) / 1000;
    // a delivery cut by the kill that was stored anyway runs too; give it the time an accepted one took
    await new Promise((done) => setTimeout(done, 1000));
    jobs = await listAllJobs(cluster, recipe.body.id);
    console.log(
      `killed with ${doneAtKill}/${accepted.size} jobs done and ${midCall} mid-call (${unknown.size} deliveries cut unanswered, ${jobs.filter((j) => unknown.has(j.dedupeKey)).length} of them stored); ` +
        `restart → ready ${readyMs} ms; all accepted succeeded ${recoveredS.toFixed(1)} s after the kill`,
    );

    // exactly one job per accepted event, none lost, none invented
    const keys = jobs.map((j) => j.dedupeKey);
    expect(new Set(keys).size).toBe(jobs.length);
    expect(keys.filter((k) => accepted.has(k)).sort()).toEqual([...accepted].sort());
    expect(keys.filter((k) => !accepted.has(k) && !unknown.has(k))).toEqual([]);
    expect(jobs.every((j) => j.status === 'succeeded')).toBe(true);
    expect(doneAtKill).toBeLessThan(accepted.size);

    // each job checkpointed each step once
    const jobIds = new Set(jobs.map((j) => j.id));
    const finishedAt = new Map<string, number>();
    for (let i = 0; i < jobs.length; i += 10) {
      await Promise.all(
        jobs.slice(i, i + 10).map(async (job) => {
          const steps = await stepsOf(cluster, job.id);
          expect(steps.map((s) => [s.stepId, s.status])).toEqual([
            ['map', 'succeeded'],
            ['slow', 'succeeded'],
            ['after', 'succeeded'],
          ]);
          for (const s of steps) finishedAt.set(`${job.id}:${s.stepKey}`, Date.parse(s.finishedAt));
        }),
      );
    }

    // the sink saw each step's call once; twice only for a call cut by the kill, re-sent with the same idempotency key
    const byKey = (requests: RecordedRequest[]) => {
      const calls = new Map<string, number[]>();
      for (const r of requests) calls.set(String(r.headers['idempotency-key']), [...(calls.get(String(r.headers['idempotency-key'])) ?? []), r.at]);
      return calls;
    };
    const slow = byKey(sink.requestsTo('/slow'));
    const after = byKey(sink.requestsTo('/after'));
    expect(slow.size).toBe(jobs.length);
    expect(after.size).toBe(jobs.length);
    const repeated = [...slow, ...after].filter(([, times]) => times.length > 1);
    for (const [key, times] of [...slow, ...after]) {
      expect(jobIds.has(key.split(':')[0])).toBe(true);
      if (times.length === 1) continue;
      expect(times).toHaveLength(2);
      expect(times[0]).toBeLessThan(killedAt);
      expect(times[1]).toBeGreaterThan(killedAt);
      // re-driven before any lease of the killed process could run out (renewed every third of it)
      expect(times[1] - killedAt).toBeLessThan((DEFAULT_LEASE_MS * 2) / 3);
      // not a completed step repeated: its checkpoint came only after the restart (the key is job:step:attempt group)
      expect(finishedAt.get(key.split(':').slice(0, 2).join(':'))).toBeGreaterThan(killedAt);
    }
    expect(repeated.length).toBeGreaterThanOrEqual(1);
    expect(repeated.length).toBeLessThanOrEqual(12); // at most the recipe's concurrency was mid-call
    const resentAfterS = Math.max(...repeated.map(([, times]) => times[1] - killedAt)) / 1000;
    console.log(
      `${repeated.length} calls cut by the kill were re-sent with their idempotency key, the last ${resentAfterS.toFixed(1)} s after the kill (lease ${DEFAULT_LEASE_MS / 1000} s)`,
    );
  }, 180_000);
});
