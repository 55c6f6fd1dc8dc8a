import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { waitFor } from '@junction/shared/testing';
import { Cluster, RUN_MODES, type RunMode } from './cluster-harness';

interface FieldChange {
  path: string;
  before?: unknown;
  after?: unknown;
}
interface JobReplay {
  jobId: string;
  steps: { stepKey: string; stepId: string; change: string; inputDiff?: FieldChange[]; served?: string }[];
  calls: { stepKey: string; action: string; input: unknown; reason: string; continuedWith: string }[];
  output: { before: unknown; after: unknown; diff: FieldChange[] };
  status: { before: string; after: string };
  approximate: boolean;
}
interface ReplayResult {
  recipeId: string;
  version: number;
  summary: { jobs: number; changed: number; callsAnew: number };
  jobs: JobReplay[];
}

const JOBS = 100;
const CLI = join(__dirname, '../../../apps/cli/bin/junction.js');

/** The `junction` CLI as a user runs it (the built one, or its sources when not built), pointed at the gateway by environment. */
function junction(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const home = mkdtempSync(join(tmpdir(), 'junction-replay-cli-'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: home, env: { PATH: process.env['PATH'] ?? '', HOME: home, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      rmSync(home, { recursive: true, force: true });
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The replay test (#16.4), in both ways to run Junction: a webhook recipe maps the event
 * (`set`) and posts it to a CRM (a local sink); 100 real jobs are recorded; version 2 changes one
 * mapping field; replaying all 100 on version 2 names exactly that field in every job, and the
 * sink receives nothing while it runs. No job is written either.
 */
describe.each(RUN_MODES)('replay against a new version (%s)', (mode: RunMode) => {
  const cluster = Cluster.inMode(mode);
  const sink = new FakeThirdParty();
  let recipeId = '';

  const recipe = (email: string) => ({
    name: `replay-${mode}`,
    trigger: { type: 'webhook' },
    steps: [
      { id: 'map', set: { customer: { email, name: '{{ trigger.body.name }}', plan: 'pro' } } },
      { id: 'post', action: 'http.request', input: { method: 'POST', url: `${sink.url}/customers`, body: { customer: '{{ vars.customer }}', source: 'webhook' } } },
    ],
  });
  const jobCount = async () => {
    const list = await cluster.call<{ items: { status: string }[] }>('GET', `/v1/jobs?recipeId=${recipeId}&limit=100`);
    return list.body.items;
  };

  beforeAll(async () => {
    await sink.start();
    sink.on('POST', '/customers', { status: 201, json: { id: 'c_1', created: true } });
    await cluster.start(['gateway', 'auth', 'connectors', 'scheduler', 'executor', 'audit']);
    const created = await cluster.call<{ id: string }>('POST', '/v1/recipes', recipe('{{ trigger.body.email }}'));
    if (created.status !== 201) throw new Error(`recipe refused: ${created.status} ${JSON.stringify(created.body)}`);
    recipeId = created.body.id;
    const hook = await cluster.startHook(recipeId);
    for (let i = 0; i < JOBS; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, j) => {
          const n = i + j;
          const res = await fetch(hook, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email: `User${n}@Example.com`, name: `User ${n}` }),
          });
          if (res.status !== 202) throw new Error(`webhook ${n}: ${res.status}`);
        }),
      );
    }
    await waitFor(async () => (await jobCount()).filter((j) => j.status === 'succeeded').length === JOBS, 120_000, 250);
    expect(sink.requestsTo('/customers')).toHaveLength(JOBS);
  }, 300_000);

  afterAll(async () => {
    await cluster.stop();
    await sink.close();
  }, 60_000);

  it('replays 100 recorded jobs on a version with one mapping field changed: each diff names exactly that field; the sink gets nothing', async () => {
    const v2 = await cluster.call('PUT', `/v1/recipes/${recipeId}`, recipe('{{ $lowercase(trigger.body.email) }}'));
    expect(v2.status).toBe(200);
    const sent = sink.requests.length;
    const jobsBefore = (await jobCount()).length;

    const answer = await cluster.call<ReplayResult>('POST', `/v1/recipes/${recipeId}/replay`, { version: 2, jobs: { filter: {} } });
    expect(answer.status).toBe(200);
    const { body } = answer;
    expect(body.summary).toEqual({ jobs: JOBS, changed: JOBS, callsAnew: JOBS });
    expect(new Set(body.jobs.map((j) => j.jobId)).size).toBe(JOBS);
    for (const job of body.jobs) {
      const n = /User(\d+)@/.exec(JSON.stringify(job.output.before))?.[1];
      const email = `User${n}@Example.com`;
      expect(job.steps).toEqual([
        { stepKey: 'map', stepId: 'map', change: 'inputChanged', inputDiff: [{ path: 'customer.email', before: email, after: email.toLowerCase() }] },
        { stepKey: 'post', stepId: 'post', change: 'inputChanged', inputDiff: [{ path: 'body.customer.email', before: email, after: email.toLowerCase() }], served: 'anew' },
      ]);
      expect(job.output.diff).toEqual([{ path: 'map.customer.email', before: email, after: email.toLowerCase() }]);
      expect(job.calls).toEqual([
        {
          stepKey: 'post',
          stepId: 'post',
          action: 'http.request',
          input: { method: 'POST', url: `${sink.url}/customers`, body: { customer: { email: email.toLowerCase(), name: `User ${n}`, plan: 'pro' }, source: 'webhook' } },
          reason: 'inputChanged',
          continuedWith: 'recorded',
        },
      ]);
      expect(job).toMatchObject({ status: { before: 'succeeded', after: 'succeeded' }, approximate: true });
    }

    // nothing was sent and nothing was written
    await new Promise((r) => setTimeout(r, 500));
    expect(sink.requests.length).toBe(sent);
    expect((await jobCount()).length).toBe(jobsBefore);
  }, 120_000);

  it('junction recipes replay prints a row per job with the changed steps and fields, and the summary', async () => {
    const sent = sink.requests.length;
    const ran = await junction(['recipes', 'replay', `replay-${mode}`, '2', '--status', 'succeeded', '--limit', '5'], {
      JUNCTION_URL: cluster.gatewayUrl,
      JUNCTION_API_KEY: cluster.apiKey,
    });
    expect([ran.code, ran.stderr]).toEqual([0, '']);
    expect(ran.stdout).toContain('map ~ customer.email');
    expect(ran.stdout).toContain('post ~ body.customer.email');
    expect(ran.stdout).toContain('post (http.request, inputChanged)');
    expect(ran.stdout).toContain('Replayed 5 jobs on version 2: 5 with changes, 5 calls would be made anew. Nothing was sent.');
    expect(sink.requests.length).toBe(sent);
  }, 120_000);

  it('replays jobs by id on the version they ran: every call served from the recording, no change', async () => {
    const ids = (await cluster.call<{ items: { id: string }[] }>('GET', `/v1/jobs?recipeId=${recipeId}&limit=3`)).body.items.map((j) => j.id);
    const sent = sink.requests.length;
    const answer = await cluster.call<ReplayResult>('POST', `/v1/recipes/${recipeId}/replay`, { version: 1, jobs: { ids } });
    expect(answer.status).toBe(200);
    expect(answer.body.summary).toEqual({ jobs: 3, changed: 0, callsAnew: 0 });
    expect(answer.body.jobs.map((j) => j.jobId)).toEqual(ids);
    for (const job of answer.body.jobs) {
      expect(job.steps.map((s) => [s.stepKey, s.change, s.served])).toEqual([
        ['map', 'same', undefined],
        ['post', 'same', 'recorded'],
      ]);
      expect(job.output.diff).toEqual([]);
    }
    expect(sink.requests.length).toBe(sent);
  }, 60_000);

  it('names the field of a bad request: unknown version, neither ids nor filter, too many ids', async () => {
    const unknown = await cluster.call<{ errors: { path: string }[] }>('POST', `/v1/recipes/${recipeId}/replay`, { version: 9, jobs: { filter: {} } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors.map((e) => e.path)).toEqual(['version']);
    const neither = await cluster.call<{ errors: { path: string }[] }>('POST', `/v1/recipes/${recipeId}/replay`, { version: 2, jobs: {} });
    expect(neither.status).toBe(400);
    expect(neither.body.errors.map((e) => e.path)).toEqual(['jobs.ids']);
    const ids = Array.from({ length: 201 }, (_, i) => `job_01ARZ3NDEKTSV4RRFFQ69G${String(i).padStart(4, '0').replace(/[01]/g, 'A')}`);
    const many = await cluster.call<{ errors: { path: string; message: string }[] }>('POST', `/v1/recipes/${recipeId}/replay`, { version: 2, jobs: { ids } });
    expect(many.status).toBe(400);
    expect(many.body.errors).toContainEqual({ path: 'jobs.ids', message: 'ids must list at most 200 jobs per call' });
  }, 30_000);
});
