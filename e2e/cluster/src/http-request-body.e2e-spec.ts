import { Client } from 'pg';
import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { waitFor } from '@junction/shared/testing';
import { Cluster, RUN_MODES, type RunMode } from './cluster-harness';

interface Job {
  id: string;
  status: string;
  error?: { stepId?: string; message?: string };
  steps?: { input?: unknown }[];
}

/** What the executor's database keeps of a job's step inputs: the input as stored and its references into the trigger. */
async function storedInputs(url: string, jobId: string): Promise<{ input: unknown; input_ref: unknown }[]> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    return (await db.query<{ input: unknown; input_ref: unknown }>(`SELECT input, input_ref FROM job_steps WHERE job_id = $1 ORDER BY seq`, [jobId])).rows;
  } finally {
    await db.end();
  }
}

const ENDED = ['succeeded', 'failed', 'cancelled'];

/**
 * `http.request` as a new user writes it (#16.7), in both ways to run Junction: `body` is the JSON
 * sent (`{ text: "hi" }` is what a Slack webhook wants, not text/plain), `form` and `text` are
 * sibling fields, two of them at once fail the step in one line naming the field, a recipe
 * mistake inside a union is one 422 line at its path naming the closest alternative, and a literal
 * input the action's schema refuses is a 422 at save, not a failed step at every run.
 */
describe.each(RUN_MODES)('http.request input shape (%s)', (mode: RunMode) => {
  const cluster = Cluster.inMode(mode);
  const sink = new FakeThirdParty();

  beforeAll(async () => {
    await sink.start();
    for (const name of ['slack', 'templated', 'whole', 'secret', 'form', 'text', 'both', 'bad-form']) sink.on('POST', `/${name}`, { json: { ok: true } });
    await cluster.start(['gateway', 'auth', 'connectors', 'scheduler', 'executor', 'audit']);
  }, 180_000);

  afterAll(async () => {
    await cluster.stop();
    await sink.close();
  }, 60_000);

  /** A webhook recipe with one http.request step given `input` (plus method and url), run once with `event`. */
  async function runOnce(name: string, input: Record<string, unknown>, event: unknown = {}): Promise<Job> {
    const step = { id: 'send', action: 'http.request', input: { method: 'POST', url: `${sink.url}/${name}`, ...input } };
    const created = await cluster.call<{ id: string }>('POST', '/v1/recipes', { name: `${name}-${mode}`, trigger: { type: 'webhook' }, steps: [step] });
    if (created.status !== 201) throw new Error(`recipe refused: ${created.status} ${JSON.stringify(created.body)}`);
    const hook = await cluster.startHook(created.body.id);
    const accepted = await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
    expect(accepted.status).toBe(202);
    let job: Job | undefined;
    await waitFor(
      async () => {
        const list = await cluster.call<{ items: { id: string }[] }>('GET', `/v1/jobs?recipeId=${created.body.id}`);
        const id = list.body.items[0]?.id;
        if (!id) return false;
        job = (await cluster.call<Job>('GET', `/v1/jobs/${id}`)).body;
        return ENDED.includes(job.status);
      },
      45_000,
      100,
    );
    return job as Job;
  }

  const received = (name: string) => sink.requestsTo(`/${name}`).map((r) => ({ contentType: r.headers['content-type'], body: r.body }));

  it('sends body as JSON: { text: "hi" } arrives as application/json {"text":"hi"}', async () => {
    expect(await runOnce('slack', { body: { text: 'hi' } })).toMatchObject({ status: 'succeeded' });
    expect(received('slack')).toEqual([{ contentType: 'application/json', body: '{"text":"hi"}' }]);
  });

  it('sends a body that is one template as the JSON it renders to', async () => {
    const job = await runOnce('templated', { body: '{{ trigger.body.items }}' }, { items: [{ sku: 'A1' }, 2] });
    expect(job).toMatchObject({ status: 'succeeded' });
    expect(received('templated')).toEqual([{ contentType: 'application/json', body: '[{"sku":"A1"},2]' }]);
    // the step row references the trigger's stored copy (#19, stored once); the job view shows the value
    expect(job.steps?.[0]?.input).toEqual({ method: 'POST', url: `${sink.url}/templated`, body: [{ sku: 'A1' }, 2] });
  });

  it('shows a step input that is the trigger body as it was sent, secret-looking keys still redacted', async () => {
    const whole = await runOnce('whole', { body: '{{ trigger.body }}' }, { order: { id: 7, lines: [1, 2] } });
    expect(whole).toMatchObject({ status: 'succeeded' });
    expect(whole.steps?.[0]?.input).toEqual({ method: 'POST', url: `${sink.url}/whole`, body: { order: { id: 7, lines: [1, 2] } } });
    expect(await storedInputs(cluster.databaseUrl('executor'), whole.id)).toEqual([
      { input: { method: 'POST', url: `${sink.url}/whole`, body: null }, input_ref: [{ at: ['body'], from: ['body'] }] },
    ]);
    const secret = await runOnce('secret', { body: '{{ trigger.body }}' }, { token: 'sk_live_1', n: 1 });
    expect(secret).toMatchObject({ status: 'succeeded' });
    expect(received('secret').map((r) => JSON.parse(r.body as string) as unknown)).toEqual([{ token: 'sk_live_1', n: 1 }]);
    expect(secret.steps?.[0]?.input).toEqual({ method: 'POST', url: `${sink.url}/secret`, body: { token: '[redacted]', n: 1 } });
    expect((await storedInputs(cluster.databaseUrl('executor'), secret.id))[0].input_ref).toBeNull();
  });

  it('sends form URL-encoded and text as given, with its content type', async () => {
    expect(await runOnce('form', { form: { a: '{{ trigger.body.a }}', n: 2 } }, { a: 'x y' })).toMatchObject({ status: 'succeeded' });
    expect(received('form')).toEqual([{ contentType: 'application/x-www-form-urlencoded', body: 'a=x+y&n=2' }]);
    expect(await runOnce('text', { text: 'a,b', contentType: 'text/csv' })).toMatchObject({ status: 'succeeded' });
    expect(received('text')).toEqual([{ contentType: 'text/csv', body: 'a,b' }]);
  });

  it('fails a step given two encodings in one line naming the field, sending nothing', async () => {
    const job = await runOnce('both', { body: { a: 1 }, form: { a: '1' } });
    expect(job.status).toBe('failed');
    expect(job.error?.stepId).toBe('send');
    expect(job.error?.message).toContain('/form cannot be sent together with /body; keep one of body (JSON), form or text');
    expect(job.error?.message).not.toContain('\n');
    // a literal nested field is refused at save now (below); one rendered from the event still fails the step
    const bad = await runOnce('bad-form', { form: { a: '{{ trigger.body.a }}' } }, { a: { nested: 1 } });
    expect(bad.error?.message).toContain('/form/a must be a string, a number or true or false');
    expect(bad.error?.message).not.toContain('anyOf');
    expect(received('both')).toEqual([]);
    expect(received('bad-form')).toEqual([]);
  });

  it('answers a literal input that the action’s schema refuses with a 422 at save naming each path; templates are left to run time', async () => {
    const steps: Record<string, unknown>[] = [
      { id: 'ok', action: 'http.request', input: { method: 'GET', url: `${sink.url}/slack` } },
      { id: 'each', forEach: '{{ trigger.body.items }}', steps: [{ id: 'send', action: 'http.request', input: { method: 'FETCH', url: `${sink.url}/x`, timeoutMs: '5s' } }] },
      { id: 'templated', action: 'http.request', input: { method: '{{ trigger.body.method }}', url: '{{ trigger.body.url }}', timeoutMs: '{{ trigger.body.timeout }}' } },
    ];
    const answer = await cluster.call<{ errors: { path: string; message: string }[] }>('POST', '/v1/recipes', { name: `literal-${mode}`, trigger: { type: 'webhook' }, steps });
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([
      { path: '/steps/1/steps/0/input/method', message: 'must be one of "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"' },
      { path: '/steps/1/steps/0/input/timeoutMs', message: 'must be integer' },
    ]);
    // the same recipe with the literal mistakes fixed saves: the templated step is not judged
    steps[1] = {
      id: 'each',
      forEach: '{{ trigger.body.items }}',
      steps: [{ id: 'send', action: 'http.request', input: { method: 'POST', url: `${sink.url}/x`, timeoutMs: 5000 } }],
    };
    expect((await cluster.call('POST', '/v1/recipes', { name: `literal-${mode}`, trigger: { type: 'webhook' }, steps })).status).toBe(201);
  });

  it('answers a recipe mistake inside a union with one 422 line at its path, naming the closest alternative', async () => {
    const answer = await cluster.call<{ errors: { path: string; message: string }[] }>('POST', '/v1/recipes', {
      name: `union-${mode}`,
      trigger: { type: 'webhook' },
      steps: [{ id: 'wait', delay: { duration: '5m', until: '{{ trigger.body.at }}' } }],
    });
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([{ path: '/steps/0/delay/until', message: 'is not allowed here (closest: an object with duration)' }]);
  });
});
