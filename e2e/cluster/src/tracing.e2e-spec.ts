import { randomBytes } from 'node:crypto';
import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { parseTraceparent } from '@junction/platform/ports';
import { startServiceProcess, waitFor } from '@junction/shared/testing';
import { Cluster, type RunMode } from './cluster-harness';
import { OtlpReceiver, spanTree, type ReceivedSpan } from './otlp-receiver';

/** A secret in every place a webhook and a connector call can carry one: none may reach a span. */
const CANARY = `trc${randomBytes(10).toString('hex')}`;

interface Job {
  id: string;
  status: string;
  traceId?: string;
  steps?: { stepId: string; status: string }[];
}

const SERVER = 2;
const CLIENT = 3;

/**
 * Issue #17's "done when" for tracing: the cluster exports to an OTLP receiver of the test's own,
 * and a webhook that runs a two-step recipe makes ONE trace — the gateway's request, the queue,
 * the job and its steps in the executor, the connectors service and its outbound calls, with
 * Postgres (and Redis) spans inside — linked parent to child, with no secret in any span. The
 * cluster exports `http/json`, standalone `http/protobuf`, so both encodings are proved.
 */
describe.each([
  ['cluster', 'http/json'],
  ['standalone', 'http/protobuf'],
] as [RunMode, string][])('one trace from webhook to third party (%s, %s)', (mode, protocol) => {
  const receiver = new OtlpReceiver();
  const crm = new FakeThirdParty();
  let cluster: Cluster;

  beforeAll(async () => {
    await Promise.all([receiver.start(), crm.start()]);
    crm
      .on('POST', '/contacts', { status: 201, json: { id: 'c_1' } })
      .on('POST', '/notes', { status: 201, json: { id: 'n_1' } })
      .on('POST', '/slow', { status: 200, json: { ok: true }, delayMs: 3_000 });
    cluster = Cluster.inMode(mode, undefined, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      // export within a fraction of a second, so the test waits little
      OTEL_BSP_SCHEDULE_DELAY: '200',
      // the executor's "job finished" line is a debug one
      LOG_LEVEL: 'debug',
      // a killed executor's jobs are taken over within seconds
      EXECUTOR_LEASE_MS: '2000',
      EXECUTOR_POLL_INTERVAL_MS: '200',
    });
    await cluster.start(['gateway', 'auth', 'connectors', 'executor']);
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
    await Promise.all([receiver.close(), crm.close()]);
  }, 60_000);

  it('a webhook running a two-step recipe is one trace: gateway → queue → job → steps → connectors → outbound calls, no secret in it', async () => {
    const connection = await cluster.call<{ id: string }>('POST', '/v1/connections', {
      name: 'crm',
      connector: 'http',
      credentials: { token: `tok-${CANARY}`, allowedHosts: crm.url },
    });
    expect(connection.status).toBe(201);
    const recipe = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
      name: 'signup to crm, then a note',
      trigger: { type: 'webhook' },
      steps: [
        {
          id: 'contact',
          action: 'http.request',
          connection: connection.body.id,
          input: { method: 'POST', url: `${crm.url}/contacts?api_key=${CANARY}`, body: { email: '{{ trigger.body.email }}' } },
        },
        {
          id: 'note',
          action: 'http.request',
          connection: connection.body.id,
          input: { method: 'POST', url: `${crm.url}/notes`, body: { contact: '{{ steps.contact.output.body.id }}' } },
        },
      ],
    });
    expect(recipe.status).toBe(201);
    const hookUrl = await cluster.startHook(recipe.body.id);
    const hookId = new URL(hookUrl).pathname.split('/').pop() ?? '';

    const accepted = await fetch(`${hookUrl}?signature=${CANARY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-secret': CANARY },
      body: JSON.stringify({ email: 'ada@example.com', password: CANARY }),
    });
    expect(accepted.status).toBe(202);
    // the 202 names the trace the webhook started
    const traceId = parseTraceparent(accepted.headers.get('traceparent') ?? undefined)?.traceId ?? '';
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    let done: Job | undefined;
    await waitFor(async () => {
      const list = await cluster.call<{ items: Job[] }>('GET', `/v1/jobs?recipeId=${recipe.body.id}`);
      done = list.body.items.find((j) => ['succeeded', 'failed', 'cancelled'].includes(j.status));
      return done !== undefined;
    }, 30_000);
    const job = await cluster.call<Job>('GET', `/v1/jobs/${done?.id}`);
    if (job.body.status !== 'succeeded') throw new Error(`job ${job.body.status}: ${JSON.stringify(job.body)}`);
    expect(job.body.steps?.map((s) => [s.stepId, s.status])).toEqual([
      ['contact', 'succeeded'],
      ['note', 'succeeded'],
    ]);
    // the jobs API names the same trace
    expect(job.body.traceId).toBe(traceId);

    // both outbound calls exported (the processes export every 200 ms)
    const outbound = (spans: ReceivedSpan[]) => spans.filter((s) => s.kind === CLIENT && s.attributes['server.port'] === Number(new URL(crm.url).port));
    const exported = () =>
      outbound(receiver.trace(traceId)).length >= 2 && receiver.trace(traceId).some((s) => s.name === 'job run' && s.attributes['junction.job.status'] === 'succeeded');
    await waitFor(exported, 20_000).catch((error: unknown) => {
      process.stdout.write(
        `\nincomplete trace ${traceId}:\n${spanTree(receiver.trace(traceId))}\nall span names: ${[...new Set(receiver.spans.map((s) => `${s.service}:${s.name}`))].join(', ')}\n`,
      );
      throw error;
    });
    // late children (a checkpoint's queries) may trail by one export
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const spans = receiver.trace(traceId);
    const tree = spanTree(spans);
    process.stdout.write(`\ntrace ${traceId} (${mode}, ${protocol}, ${spans.length} spans):\n${tree}\n\n`);

    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const ancestors = (span: ReceivedSpan): ReceivedSpan[] => {
      const chain: ReceivedSpan[] = [];
      for (let p = byId.get(span.parentSpanId); p; p = byId.get(p.parentSpanId)) chain.push(p);
      return chain;
    };
    // one root, the gateway's server span of the hook; every other span's parent is in the trace
    const roots = spans.filter((s) => !s.parentSpanId);
    expect(roots.map((s) => [s.name, s.kind])).toEqual([['POST /hooks/:hookId', SERVER]]);
    expect(spans.filter((s) => s.parentSpanId && !byId.has(s.parentSpanId)).map((s) => s.name)).toEqual([]);

    // the job continues the trace of the event that made it, each step under its run
    const runs = spans.filter((s) => s.name === 'job run');
    expect(runs).toHaveLength(1);
    expect(runs[0].attributes['junction.job.id']).toBe(job.body.id);
    expect(ancestors(runs[0])).toContain(roots[0]);
    const steps = spans.filter((s) => s.name === 'step contact' || s.name === 'step note');
    expect(steps.map((s) => s.name).sort()).toEqual(['step contact', 'step note']);
    for (const step of steps) {
      expect(step.parentSpanId).toBe(runs[0].spanId);
      expect(step.attributes['junction.step.status']).toBe('succeeded');
    }
    // each step's outbound call is made inside the connectors service's handling of it
    const calls = outbound(spans);
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      const chain = ancestors(call);
      expect(chain.some((s) => s.kind === SERVER && s.name.includes('invoke'))).toBe(true);
      expect(chain.filter((s) => steps.includes(s))).toHaveLength(1);
      expect(call.attributes['http.request.method']).toBe('POST');
    }
    // Postgres and (with Redis) Redis calls are spans of the trace too
    expect(spans.some((s) => s.attributes['db.system'] === 'postgresql' || s.attributes['db.system.name'] === 'postgresql')).toBe(true);
    if (mode === 'cluster') {
      expect(spans.some((s) => s.attributes['db.system'] === 'redis' || s.attributes['db.system.name'] === 'redis')).toBe(true);
      const services = new Set(spans.map((s) => s.service));
      expect([...services]).toEqual(expect.arrayContaining(['junction-gateway', 'junction-executor', 'junction-connectors']));
      expect(runs[0].service).toBe('junction-executor');
      expect(calls.every((c) => c.service === 'junction-connectors')).toBe(true);
    } else {
      expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['junction-standalone']));
    }

    // an API request's server span is named by its route, not its path
    await waitFor(() => receiver.spans.some((s) => s.kind === SERVER && s.name === 'GET /v1/jobs/:id' && s.attributes['http.route'] === '/v1/jobs/:id'), 10_000);
    expect(receiver.spans.filter((s) => s.name.includes(job.body.id))).toEqual([]);

    // log lines of the job's work carry its trace id and the span they were written in
    const logs = [...new Set(cluster.services.values())].flatMap((s) => s.output);
    const finishedLine = logs.find((line) => line.includes('"msg":"job finished"') && line.includes(job.body.id));
    expect(finishedLine).toContain(`"traceId":"${traceId}"`);
    expect(finishedLine).toContain(`"spanId":"${runs[0].spanId}"`);

    // nothing secret left the processes in any export: query strings, headers, bodies, the
    // connection's token, the hook's id (its URL is its credential)
    expect(receiver.bodies.length).toBeGreaterThan(0);
    expect(receiver.bodies.filter((b) => b.includes(CANARY))).toEqual([]);
    expect(receiver.bodies.filter((b) => b.includes(hookId))).toEqual([]);
    expect(receiver.contentTypes).toEqual(new Set([protocol === 'http/json' ? 'application/json' : 'application/x-protobuf']));
  }, 90_000);

  it('a job re-driven after its executor was killed continues the trace of its webhook', async () => {
    const recipe = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
      name: 'slow, then done',
      trigger: { type: 'webhook' },
      steps: [
        { id: 'slow', action: 'http.request', input: { method: 'POST', url: `${crm.url}/slow`, body: { n: 1 } } },
        { id: 'done', set: { ok: true } },
      ],
    });
    expect(recipe.status).toBe(201);
    const hookUrl = await cluster.startHook(recipe.body.id);
    const accepted = await fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(accepted.status).toBe(202);
    const traceId = parseTraceparent(accepted.headers.get('traceparent') ?? undefined)?.traceId ?? '';

    // killed (SIGKILL: nothing flushed) while its step waits on the third party, once the spans
    // that ended before (the hook's request, the job's making) are exported
    await waitFor(() => crm.requestsTo('/slow').length >= 1, 30_000, 50);
    await waitFor(() => ['POST /hooks/:hookId', 'executor.trigger.received.v1 process'].every((name) => receiver.trace(traceId).some((s) => s.name === name)), 10_000, 50);
    if (mode === 'cluster') {
      await cluster.services.get('executor')?.kill();
      cluster.services.set('executor', await startServiceProcess('executor', cluster.env()));
    } else {
      await cluster.killAndRestartStandalone();
    }

    let done: Job | undefined;
    await waitFor(async () => {
      const list = await cluster.call<{ items: Job[] }>('GET', `/v1/jobs?recipeId=${recipe.body.id}`);
      done = list.body.items.find((j) => ['succeeded', 'failed', 'cancelled'].includes(j.status));
      return done !== undefined;
    }, 60_000);
    const job = await cluster.call<Job>('GET', `/v1/jobs/${done?.id}`);
    expect(job.body.status).toBe('succeeded');
    expect(job.body.traceId).toBe(traceId);

    const redriven = () => receiver.trace(traceId).find((s) => s.name === 'job run' && s.attributes['junction.job.redriven'] === true);
    await waitFor(() => redriven() !== undefined && receiver.trace(traceId).some((s) => s.name === 'step slow'), 20_000);
    const spans = receiver.trace(traceId);
    process.stdout.write(`\ntrace ${traceId} (${mode}, re-driven after a kill, ${spans.length} spans):\n${spanTree(spans)}\n\n`);
    // the second run hangs under the span that made the job (exported by the first process before it died)
    const parent = spans.find((s) => s.spanId === redriven()?.parentSpanId);
    expect(parent?.name).toBe('executor.trigger.received.v1 process');
    expect(spans.some((s) => s.name === 'POST /hooks/:hookId' && !s.parentSpanId)).toBe(true);
  }, 120_000);
});
