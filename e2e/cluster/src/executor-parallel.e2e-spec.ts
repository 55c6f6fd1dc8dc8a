import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { startServiceProcess, waitFor } from '@junction/shared/testing';
import { Cluster, RUN_MODES, type RunMode } from './cluster-harness';
import { postTo } from './executor-harness';

interface JobStep {
  stepId: string;
  stepKey: string;
  status: string;
}

interface Job {
  id: string;
  status: string;
  startedAt?: string;
  finishedAt?: string;
  error?: { stepId?: string; message?: string };
  output?: Record<string, unknown>;
  steps: JobStep[];
}

const ENDED = ['succeeded', 'failed', 'cancelled'];

/**
 * The `parallel` step kind end to end, in both ways to run Junction: branches run at once in the
 * executor and join, a failed branch cancels the others (no further calls reach their sinks), mode
 * `all` lets them finish, a rerun restarts only the branches that had not finished, and a SIGKILL
 * mid-parallel repeats no finished branch step.
 */
describe.each(RUN_MODES)('executor: parallel branches (%s)', (mode: RunMode) => {
  // short leases, so a killed cluster executor's job is taken over within seconds
  const cluster = Cluster.inMode(mode, undefined, { EXECUTOR_LEASE_MS: '2000', EXECUTOR_POLL_INTERVAL_MS: '200' });
  const sink = new FakeThirdParty();
  const post = (path: string, json: Record<string, unknown> = {}) => postTo(sink.url, path, json);

  beforeAll(async () => {
    await sink.start();
    await cluster.start(['gateway', 'auth', 'connectors', 'scheduler', 'executor', 'audit']);
  }, 180_000);

  afterAll(async () => {
    await cluster.stop();
    await sink.close();
  }, 60_000);

  /** Creates and starts a webhook recipe, sends one event to it, and answers its job once it has ended. */
  async function runOnce(name: string, steps: unknown[]): Promise<Job> {
    const created = await cluster.call<{ id: string }>('POST', '/v1/recipes', { name, trigger: { type: 'webhook' }, steps });
    if (created.status !== 201) throw new Error(`recipe refused: ${created.status} ${JSON.stringify(created.body)}`);
    const hook = await cluster.startHook(created.body.id);
    const accepted = await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n: 7 }) });
    expect(accepted.status).toBe(202);
    let id = '';
    await waitFor(async () => {
      const list = await cluster.call<{ items: { id: string }[] }>('GET', `/v1/jobs?recipeId=${created.body.id}`);
      id = list.body.items[0]?.id ?? '';
      return id !== '';
    }, 30_000);
    return ended(id);
  }

  async function ended(id: string): Promise<Job> {
    let job: Job | undefined;
    await waitFor(
      async () => {
        job = (await cluster.call<Job>('GET', `/v1/jobs/${id}`)).body;
        return ENDED.includes(job.status);
      },
      45_000,
      100,
    );
    return job as Job;
  }

  async function rerun(id: string): Promise<Job> {
    const answer = await cluster.call('POST', `/v1/jobs/${id}/rerun`);
    expect(answer.status).toBe(200);
    // the rerun sets the job running again before answering: wait for its new end
    return ended(id);
  }

  const ms = (job: Job) => new Date(job.finishedAt as string).getTime() - new Date(job.startedAt as string).getTime();
  const calls = (path: string) => sink.requestsTo(path).length;

  it('three branches of 1, 2 and 3 s join in about the time of the slowest; a later step reads steps.<id>.<branch>', async () => {
    sink.on('POST', '/j/a', { status: 200, json: { n: 'a' }, delayMs: 1_000 });
    sink.on('POST', '/j/b', { status: 200, json: { n: 'b' }, delayMs: 2_000 });
    sink.on('POST', '/j/c', { status: 200, json: { n: 'c' }, delayMs: 3_000 });
    sink.on('POST', '/j/joined', { status: 200, json: {} });
    const job = await runOnce('join', [
      { id: 'fan', parallel: { a: [{ id: 'ja', ...post('/j/a') }], b: [{ id: 'jb', ...post('/j/b') }], c: [{ id: 'jc', ...post('/j/c') }] } },
      { id: 'after', ...post('/j/joined', { a: '{{ steps.fan.a.ja.body.n }}', b: '{{ steps.fan.b.jb.body.n }}', c: '{{ steps.fan.c.jc.body.n }}' }) },
    ]);
    if (job.status !== 'succeeded') throw new Error(`job ${job.status}: ${JSON.stringify(job.error)}`);

    const [a, b, c] = ['/j/a', '/j/b', '/j/c'].map((p) => sink.requestsTo(p));
    expect([a.length, b.length, c.length]).toEqual([1, 1, 1]);
    // all three sent at once, not one after the other's answer (the first answer comes 1 s in)
    const sentAt = [a[0].at, b[0].at, c[0].at];
    expect(Math.max(...sentAt) - Math.min(...sentAt)).toBeLessThan(800);
    // one after another would take at least 1 + 2 + 3 = 6 s; measured 3.8-4.2 s on a loaded 2-core machine (a checkpoint per step result)
    expect(ms(job)).toBeGreaterThanOrEqual(3_000);
    expect(ms(job)).toBeLessThan(6_000);
    process.stdout.write(`parallel (${mode}): branches of 1/2/3 s joined, job took ${ms(job)} ms\n`);

    expect(sink.requestsTo('/j/joined').map((r) => r.json)).toEqual([{ a: 'a', b: 'b', c: 'c' }]);
    expect(job.output?.['fan']).toMatchObject({ a: { ja: { status: 200 } }, b: { jb: { status: 200 } }, c: { jc: { status: 200 } } });
    expect(job.steps.filter((s) => s.stepId === 'fan').map((s) => s.status)).toEqual(['succeeded']);
  }, 90_000);

  it('a failing branch cancels the others: a waiting branch and one mid-call send nothing more; a rerun restarts the three unfinished branches', async () => {
    sink.on('POST', '/c/fail', [
      { status: 400, json: { error: 'bad input' } },
      { status: 200, json: {} },
    ]);
    sink.on('POST', '/c/slow', { status: 200, json: {}, delayMs: 1_500 });
    for (const p of ['/c/late1', '/c/late2']) sink.on('POST', p, { status: 200, json: {} });
    const steps = [
      {
        id: 'fan',
        parallel: {
          waiting: [
            { id: 'pause', delay: '1s' },
            { id: 'late1', ...post('/c/late1') },
          ],
          calling: [
            { id: 'slow', ...post('/c/slow') },
            { id: 'late2', ...post('/c/late2') },
          ],
          bad: [{ id: 'fail', ...post('/c/fail') }],
        },
      },
    ];
    const job = await runOnce('cancel', steps);
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ stepId: 'fail' });
    // the call in flight when the branch failed cannot be taken back; nothing after it is sent
    expect(calls('/c/slow')).toBe(1);
    await new Promise((r) => setTimeout(r, 2_500)); // past the delay's end and the slow call's answer
    expect([calls('/c/late1'), calls('/c/late2')]).toEqual([0, 0]);
    expect(job.steps.map((s) => s.stepId)).not.toContain('late1');

    const again = await rerun(job.id);
    if (again.status !== 'succeeded') throw new Error(`rerun ${again.status}: ${JSON.stringify(again.error)}`);
    // every branch was unfinished: each ran on from its current step, once
    expect([calls('/c/fail'), calls('/c/slow'), calls('/c/late1'), calls('/c/late2')]).toEqual([2, 2, 1, 1]);
  }, 90_000);

  it('rerun of a failed job runs only the failed branch: finished branches keep their outputs and their sinks see no second call', async () => {
    sink.on('POST', '/r/one', { status: 200, json: { n: 1 } });
    sink.on('POST', '/r/two', { status: 200, json: { n: 2 } });
    sink.on('POST', '/r/flaky', [
      { status: 400, json: { error: 'not yet' } },
      { status: 200, json: { n: 3 } },
    ]);
    const job = await runOnce('rerun only the failed', [
      {
        id: 'fan',
        parallel: {
          one: [{ id: 'r1', ...post('/r/one') }],
          two: [{ id: 'r2', ...post('/r/two') }],
          // the others have finished by the time this one fails
          flaky: [
            { id: 'wait', delay: '800ms' },
            { id: 'r3', ...post('/r/flaky') },
          ],
        },
      },
    ]);
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ stepId: 'r3' });
    expect([calls('/r/one'), calls('/r/two'), calls('/r/flaky')]).toEqual([1, 1, 1]);

    const again = await rerun(job.id);
    if (again.status !== 'succeeded') throw new Error(`rerun ${again.status}: ${JSON.stringify(again.error)}`);
    expect([calls('/r/one'), calls('/r/two'), calls('/r/flaky')]).toEqual([1, 1, 2]);
    expect(again.output?.['fan']).toMatchObject({ one: { r1: { body: { n: 1 } } }, two: { r2: { body: { n: 2 } } }, flaky: { r3: { body: { n: 3 } } } });
    // the rerun started the failed step again, not the branch's delay before it
    expect(again.steps.filter((s) => s.stepId === 'wait')).toHaveLength(1);
  }, 90_000);

  it('mode all: the other branches run to their end, then the step fails naming the failed branch; a rerun runs only that branch', async () => {
    sink.on('POST', '/a/ok', { status: 200, json: { n: 'ok' }, delayMs: 800 });
    sink.on('POST', '/a/bad', [
      { status: 400, json: { error: 'no' } },
      { status: 200, json: { n: 'bad' } },
    ]);
    const job = await runOnce('wait for all', [{ id: 'fan', mode: 'all', parallel: { ok: [{ id: 'aok', ...post('/a/ok') }], bad: [{ id: 'abad', ...post('/a/bad') }] } }]);
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ stepId: 'fan' });
    expect(job.error?.message).toContain('branch "bad"');
    expect(job.steps.find((s) => s.stepId === 'aok')?.status).toBe('succeeded');
    expect(ms(job)).toBeGreaterThanOrEqual(800);

    const again = await rerun(job.id);
    if (again.status !== 'succeeded') throw new Error(`rerun ${again.status}: ${JSON.stringify(again.error)}`);
    expect([calls('/a/ok'), calls('/a/bad')]).toEqual([1, 2]);
    expect(again.output?.['fan']).toMatchObject({ ok: { aok: { body: { n: 'ok' } } }, bad: { abad: { body: { n: 'bad' } } } });
  }, 90_000);

  it('a try around it catches the first failure and its catch runs once', async () => {
    sink.on('POST', '/t/fail', { status: 400, json: { error: 'no' } });
    sink.on('POST', '/t/caught', { status: 200, json: {} });
    const job = await runOnce('try around', [
      {
        id: 'guard',
        try: [{ id: 'fan', parallel: { x: [{ id: 'tfail', ...post('/t/fail') }], y: [{ id: 'tpause', delay: '2s' }] } }],
        catch: [{ id: 'caught', ...post('/t/caught', { step: '{{ steps.guard.error.stepId }}' }) }],
      },
    ]);
    if (job.status !== 'succeeded') throw new Error(`job ${job.status}: ${JSON.stringify(job.error)}`);
    expect(sink.requestsTo('/t/caught').map((r) => r.json)).toEqual([{ step: 'tfail' }]);
  }, 90_000);

  it('a SIGKILL of the executor mid-parallel resumes without repeating a finished branch step; the call in flight is sent again with the same key', async () => {
    sink.on('POST', '/k/fast1', { status: 200, json: {} });
    sink.on('POST', '/k/fast2', { status: 200, json: {} });
    sink.on('POST', '/k/slow', { status: 200, json: { n: 'slow' }, delayMs: 4_000 });
    const created = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
      name: 'killed mid-parallel',
      trigger: { type: 'webhook' },
      steps: [
        {
          id: 'fan',
          parallel: {
            fast: [
              { id: 'k1', ...post('/k/fast1') },
              { id: 'k2', ...post('/k/fast2') },
            ],
            slow: [{ id: 'ks', ...post('/k/slow') }],
          },
        },
      ],
    });
    expect(created.status).toBe(201);
    const hook = await cluster.startHook(created.body.id);
    expect((await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(202);
    let id = '';
    await waitFor(
      async () => {
        const list = await cluster.call<{ items: { id: string }[] }>('GET', `/v1/jobs?recipeId=${created.body.id}`);
        id = list.body.items[0]?.id ?? '';
        if (!id) return false;
        // the fast branch has finished (checkpointed) while the slow call is in flight
        const job = (await cluster.call<Job>('GET', `/v1/jobs/${id}`)).body;
        return job.steps.some((s) => s.stepId === 'k2' && s.status === 'succeeded') && calls('/k/slow') === 1;
      },
      30_000,
      50,
    );

    if (mode === 'standalone') await cluster.killAndRestartStandalone();
    else {
      const executor = cluster.services.get('executor');
      await executor?.kill();
      cluster.services.set('executor', await startServiceProcess('executor', cluster.env()));
    }

    const job = await ended(id);
    if (job.status !== 'succeeded') throw new Error(`job ${job.status}: ${JSON.stringify(job.error)}`);
    expect([calls('/k/fast1'), calls('/k/fast2')]).toEqual([1, 1]);
    const slow = sink.requestsTo('/k/slow');
    expect(slow.length).toBe(2);
    expect(slow[1].headers['idempotency-key']).toBe(slow[0].headers['idempotency-key']);
    expect(job.output?.['fan']).toMatchObject({ fast: { k1: { status: 200 }, k2: { status: 200 } }, slow: { ks: { body: { n: 'slow' } } } });
  }, 120_000);
});
