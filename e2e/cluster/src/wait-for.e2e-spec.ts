import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { startServiceProcess, waitFor } from '@junction/shared/testing';
import { Cluster, RUN_MODES, type RunMode } from './cluster-harness';

interface JobItem {
  id: string;
  status: string;
}
interface Delivered {
  id: string;
  duplicate: boolean;
  resumed: number;
}

/**
 * waitFor through the public API in both modes (#16.2): webhook jobs wait for `POST /v1/events`;
 * an event resumes its job with `steps.<id>` = { name, key, id, data, receivedAt }; an event sent
 * while the job had not reached its wait yet is buffered and taken; a repeat of an id resumes
 * nothing; a timeout is caught by a `try`; a job waiting while the process (standalone) or the
 * executor's work is killed resumes after the restart. 1,000 jobs and a SIGKILL of the cluster's
 * executor: executor-wait-for.e2e-spec.ts; other workspaces, roles and bad input: hostile/events.hostile-spec.ts.
 */
describe.each(RUN_MODES)('waitFor (%s)', (mode: RunMode) => {
  const sink = new FakeThirdParty();
  let cluster: Cluster;
  let waitHook = '';
  let waitRecipe = '';

  const send = (body: unknown) => cluster.call<Delivered>('POST', '/v1/events', body);
  const hook = async (url: string, body: unknown) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(202);
  };
  const jobs = async (recipeId: string) => (await cluster.call<{ items: JobItem[] }>('GET', `/v1/jobs?recipeId=${recipeId}&limit=100`)).body.items;
  const recipe = async (definition: Record<string, unknown>) => {
    const created = await cluster.call<{ id: string }>('POST', '/v1/recipes', definition);
    expect(created.status).toBe(201);
    return { id: created.body.id, hook: await cluster.startHook(created.body.id) };
  };
  const arrived = (order: string) => sink.requestsTo('/resumed').filter((r) => (r.json as { order: string }).order === order);

  beforeAll(async () => {
    await sink.start();
    sink.on('POST', '/resumed', () => ({ status: 200, json: { ok: true } }));
    sink.on('POST', '/late', () => ({ status: 200, json: { ok: true } }));
    cluster = Cluster.inMode(mode, undefined, { EXECUTOR_POLL_INTERVAL_MS: '200', JUNCTION_HTTP_ALLOW: `127.0.0.1:${new URL(sink.url).port}` });
    await cluster.start(['gateway', 'auth', 'connectors', 'scheduler', 'executor', 'audit']);
    const made = await recipe({
      name: 'wait for payment',
      trigger: { type: 'webhook' },
      steps: [
        // a moment before the wait, so an event can arrive while the job exists and does not wait yet
        { id: 'first', delay: '{{ trigger.body.pause }}' },
        { id: 'paid', waitFor: { event: 'order.paid', key: '{{ trigger.body.order }}', timeout: '10m' } },
        {
          id: 'ship',
          action: 'http.request',
          input: {
            method: 'POST',
            url: `${sink.url}/resumed`,
            body: { order: '{{ steps.paid.key }}', event: '{{ steps.paid.id }}', data: '{{ steps.paid.data }}', at: '{{ steps.paid.receivedAt }}' },
          },
        },
      ],
    });
    waitHook = made.hook;
    waitRecipe = made.id;
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
    await sink.close();
  }, 60_000);

  it('resumes a waiting job with the event as its step output; the same id again resumes nothing', async () => {
    await hook(waitHook, { order: 'o-1', pause: '0s' });
    // the job is asleep on its wait: nothing sent yet
    await waitFor(async () => (await jobs(waitRecipe)).length === 1, 20_000, 100);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(arrived('o-1')).toHaveLength(0);
    const sent = await send({ name: 'order.paid', key: 'o-1', id: 'evt-o-1', data: { amount: 12 } });
    expect(sent.status).toBe(202);
    const delivered = sent.body;
    expect(delivered).toEqual({ id: 'evt-o-1', duplicate: false, resumed: 1 });
    await waitFor(async () => arrived('o-1').length === 1, 20_000, 100);
    expect(arrived('o-1')[0].json).toMatchObject({ order: 'o-1', event: 'evt-o-1', data: { amount: 12 }, at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    const [job] = await jobs(waitRecipe);
    await waitFor(async () => (await cluster.call<JobItem>('GET', `/v1/jobs/${job.id}`)).body.status === 'succeeded', 20_000, 100);

    const again = await send({ name: 'order.paid', key: 'o-1', id: 'evt-o-1', data: { amount: 99 } });
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ id: 'evt-o-1', duplicate: true, resumed: 0 });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(arrived('o-1')).toHaveLength(1);
  }, 60_000);

  it('does not lose an event that arrives before the job waits: it is taken when the wait starts', async () => {
    const before = (await jobs(waitRecipe)).length;
    await hook(waitHook, { order: 'o-early', pause: '4s' });
    await waitFor(async () => (await jobs(waitRecipe)).length === before + 1, 20_000, 100);
    const early = await send({ name: 'order.paid', key: 'o-early', id: 'evt-early', data: { early: true } });
    expect(early.body).toEqual({ id: 'evt-early', duplicate: false, resumed: 0 });
    await waitFor(async () => arrived('o-early').length === 1, 30_000, 100);
    expect(arrived('o-early')[0].json).toMatchObject({ event: 'evt-early', data: { early: true } });
  }, 60_000);

  it('a timeout is an error a try catches', async () => {
    const late = await recipe({
      name: 'wait briefly',
      trigger: { type: 'webhook' },
      steps: [
        {
          id: 'guard',
          try: [{ id: 'answer', waitFor: { event: 'reply.received', key: '{{ trigger.body.ticket }}', timeout: '2s' } }],
          catch: [
            {
              id: 'chase',
              action: 'http.request',
              input: { method: 'POST', url: `${sink.url}/late`, body: { ticket: '{{ trigger.body.ticket }}', kind: '{{ steps.guard.error.kind }}' } },
            },
          ],
        },
      ],
    });
    await hook(late.hook, { ticket: 't-1' });
    await waitFor(async () => sink.requestsTo('/late').length === 1, 30_000, 100);
    expect(sink.requestsTo('/late')[0].json).toEqual({ ticket: 't-1', kind: 'timeout' });
    await waitFor(async () => (await jobs(late.id))[0]?.status === 'succeeded', 20_000, 100);
  }, 60_000);

  it('cancelling a waiting job ends it and removes its wait: a later event resumes nothing', async () => {
    const before = (await jobs(waitRecipe)).length;
    await hook(waitHook, { order: 'o-cancel', pause: '0s' });
    const job = await waitFor(
      async () => {
        const list = await jobs(waitRecipe);
        return list.length === before + 1 && list[0].status === 'running' ? list[0] : undefined;
      },
      20_000,
      100,
    );
    await new Promise((r) => setTimeout(r, 1_500));
    const cancelled = await cluster.call<JobItem>('POST', `/v1/jobs/${job.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const sent = await send({ name: 'order.paid', key: 'o-cancel', id: 'evt-cancel', data: {} });
    expect(sent.body).toEqual({ id: 'evt-cancel', duplicate: false, resumed: 0 });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(arrived('o-cancel')).toHaveLength(0);
    expect((await cluster.call<JobItem>('GET', `/v1/jobs/${job.id}`)).body.status).toBe('cancelled');
  }, 60_000);

  it('a job waiting when the process is killed resumes after the restart (SIGKILL of the executor, or of the standalone process)', async () => {
    const before = (await jobs(waitRecipe)).length;
    await hook(waitHook, { order: 'o-crash', pause: '0s' });
    await waitFor(async () => (await jobs(waitRecipe)).length === before + 1 && (await jobs(waitRecipe))[0].status === 'running', 20_000, 100);
    await new Promise((r) => setTimeout(r, 2_000));
    if (mode === 'standalone') await cluster.killAndRestartStandalone();
    else {
      // cluster: SIGKILL of the executor, a new one on the same database and streams
      await cluster.services.get('executor')?.kill();
      cluster.services.set('executor', await startServiceProcess('executor', cluster.env()));
    }
    const res = await send({ name: 'order.paid', key: 'o-crash', id: 'evt-crash', data: { after: 'restart' } });
    expect(res.status).toBe(202);
    // the wait was a row: found after the restart
    expect(res.body.resumed).toBe(1);
    await waitFor(async () => arrived('o-crash').length === 1, 30_000, 100);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(arrived('o-crash')).toHaveLength(1);
  }, 120_000);
});
