import type { Recipe, Step } from '@junction/executor/contracts';

import type { StepResult } from './job-state';
import { renderPath } from './replay-diff';
import { replayJob, type RecordedJob, type ReplayRedaction } from './replay';
import { T0, ok, recipeOf } from './spec-kit';
import { drive } from './test-driver';

/** `crm.login` marks `input.password` and `output.token` sensitive, as a connector's catalog would. */
const redaction: ReplayRedaction = {
  input: (action, value) => (action === 'crm.login' && value && typeof value === 'object' ? { ...value, password: '[redacted]' } : value),
  output: (action, value) => (action === 'crm.login' && value && typeof value === 'object' ? { ...value, token: '[redacted]' } : value),
};

/** Runs `recipe` the way the executor would and keeps what it keeps: the state and redacted step rows. */
async function record(recipe: Recipe, trigger: unknown, perform: (c: { stepId: string; input: unknown }) => StepResult, jobId = 'job_1'): Promise<RecordedJob> {
  const run = await drive(recipe, trigger, perform, { jobId, now: T0 });
  const actions = new Map(recipe.steps.filter((s) => 'action' in s).map((s) => [s.id, (s as { action: string }).action]));
  const { trigger: _omit, ...state } = JSON.parse(JSON.stringify(run.state)) as Record<string, unknown>;
  return {
    id: jobId,
    status: run.state.status,
    trigger,
    state,
    startedAt: T0,
    steps: run.records.map((r, i) => ({
      stepId: r.stepId,
      stepKey: r.stepKey,
      kind: r.kind,
      status: r.status,
      input: redaction.input(actions.get(r.stepId), r.input) ?? null,
      output: redaction.output(actions.get(r.stepId), r.output) ?? null,
      error: r.error ?? null,
      finishedAt: T0 + i,
    })),
  };
}

const mapping = (email: string): Step => ({ id: 'map', set: { customer: { email, name: '{{ trigger.body.name }}' }, plan: 'pro' } });
const post: Step = { id: 'post', action: 'http.request', input: { method: 'POST', url: 'https://crm.example/customers', body: { customer: '{{ vars.customer }}' } } };
const trigger = { body: { email: 'Ada@Example.com', name: 'Ada' } };
const created = () => ok({ status: 201, body: { id: 'c_1' } });

describe('replayJob: a recorded job run on another version, nothing sent', () => {
  const v1 = recipeOf([mapping('{{ trigger.body.email }}'), post]);

  it('the same version: every step the same, every call served from the recording, no diff', async () => {
    const job = await record(v1, trigger, created);
    const report = await replayJob(v1, job, { version: 1, ran: v1, redaction });
    expect(report.steps).toEqual([
      { stepKey: 'map', stepId: 'map', change: 'same' },
      { stepKey: 'post', stepId: 'post', change: 'same', served: 'recorded' },
    ]);
    expect(report).toMatchObject({ calls: [], status: { before: 'succeeded', after: 'succeeded' }, approximate: false });
    expect(report.output.diff).toEqual([]);
    expect(report.output.after).toEqual(report.output.before);
  });

  it('a changed mapping: inputChanged naming exactly the field, the call marked anew, the output diff names it too', async () => {
    const job = await record(v1, trigger, created);
    const v2 = recipeOf([mapping('{{ $lowercase(trigger.body.email) }}'), post]);
    const report = await replayJob(v2, job, { version: 2, ran: v1, redaction });
    expect(report.steps).toEqual([
      { stepKey: 'map', stepId: 'map', change: 'inputChanged', inputDiff: [{ path: 'customer.email', before: 'Ada@Example.com', after: 'ada@example.com' }] },
      {
        stepKey: 'post',
        stepId: 'post',
        change: 'inputChanged',
        inputDiff: [{ path: 'body.customer.email', before: 'Ada@Example.com', after: 'ada@example.com' }],
        served: 'anew',
      },
    ]);
    expect(report.calls).toEqual([
      {
        stepKey: 'post',
        stepId: 'post',
        action: 'http.request',
        input: { method: 'POST', url: 'https://crm.example/customers', body: { customer: { email: 'ada@example.com', name: 'Ada' } } },
        reason: 'inputChanged',
        continuedWith: 'recorded',
      },
    ]);
    // the call is answered with what the old input got: the output keeps the recorded response
    expect(report.output.diff).toEqual([{ path: 'map.customer.email', before: 'Ada@Example.com', after: 'ada@example.com' }]);
    expect(report).toMatchObject({ status: { before: 'succeeded', after: 'succeeded' }, approximate: true });
  });

  it('a step added and a step removed: added is a call anew continued with null, removed is named', async () => {
    const v0 = recipeOf([mapping('{{ trigger.body.email }}'), { id: 'audit', action: 'log.write', input: { line: 'x' } }, post]);
    const job = await record(v0, trigger, (c) => (c.stepId === 'audit' ? ok({ logged: true }) : created()));
    const v2 = recipeOf([mapping('{{ trigger.body.email }}'), post, { id: 'notify', action: 'slack.post', input: { text: 'new {{ steps.post.body.id }}' } }]);
    const report = await replayJob(v2, job, { version: 2, ran: v0, redaction });
    expect(report.steps.map((s) => [s.stepKey, s.change, s.served])).toEqual([
      ['map', 'same', undefined],
      ['post', 'same', 'recorded'],
      ['notify', 'added', 'anew'],
      ['audit', 'removed', undefined],
    ]);
    expect(report.calls).toEqual([{ stepKey: 'notify', stepId: 'notify', action: 'slack.post', input: { text: 'new c_1' }, reason: 'added', continuedWith: 'null' }]);
    expect(report.output.diff).toEqual([
      { path: 'audit', before: { logged: true } },
      { path: 'notify', after: null },
    ]);
  });

  it('compares inputs redacted as the step rows keep them: a secret is not a change and never appears', async () => {
    const login: Step = { id: 'login', action: 'crm.login', input: { user: '{{ trigger.body.name }}', password: '{{ trigger.body.password }}' } };
    const r1 = recipeOf([login]);
    const secret = { body: { name: 'Ada', password: 'canary-s3cr3t' } };
    const job = await record(r1, secret, () => ok({ token: 'canary-t0ken', user: 'Ada' }));
    const report = await replayJob(r1, job, { version: 1, ran: r1, redaction });
    expect(report.steps).toEqual([{ stepKey: 'login', stepId: 'login', change: 'same', served: 'recorded' }]);
    expect(JSON.stringify(report)).not.toMatch(/canary/);
    const r2 = recipeOf([{ ...login, input: { user: 'admin', password: '{{ trigger.body.password }}' } }]);
    const changed = await replayJob(r2, job, { version: 2, ran: r1, redaction });
    expect(changed.steps[0].inputDiff).toEqual([{ path: 'user', before: 'Ada', after: 'admin' }]);
    expect(JSON.stringify(changed)).not.toMatch(/canary/);
  });

  it('a recorded failure is replayed with its retries: the same end, instantly, with waits and delays resolved', async () => {
    const r = recipeOf([{ id: 'pause', delay: '2d' }, { ...post, retry: { maxAttempts: 3 } } as Step]);
    const job = await record(r, trigger, () => ({ ok: false, error: { kind: 'retryable', message: 'HTTP 503' } }));
    expect(job.status).toBe('failed');
    const started = Date.now();
    const report = await replayJob(r, job, { version: 1, ran: r, redaction });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(report.status).toEqual({ before: 'failed', after: 'failed' });
    expect(report.steps.map((s) => [s.stepKey, s.change, s.served])).toEqual([
      ['pause', 'same', undefined],
      ['post', 'same', 'recorded'],
    ]);
    expect(report.output.diff).toEqual([]);
  });

  it("pins $now to the recording's clock: a timestamp mapping is not a change", async () => {
    const stamped = recipeOf([{ id: 'stamp', set: { at: '{{ $now() }}', ms: '{{ $millis() }}' } }, post]);
    const job = await record(stamped, trigger, created);
    const report = await replayJob(stamped, job, { version: 1, ran: stamped, redaction });
    expect(report.steps.map((s) => s.change)).toEqual(['same', 'same']);
  });

  it('a version whose expression fails where the recording succeeded: the job status diff says so', async () => {
    const job = await record(v1, trigger, created);
    const broken = recipeOf([{ id: 'map', set: { customer: '{{ $error("no customer") }}' } }, post]);
    const report = await replayJob(broken, job, { version: 3, ran: v1, redaction });
    expect(report.status).toEqual({ before: 'succeeded', after: 'failed' });
    expect(report.steps.find((s) => s.stepKey === 'post')).toEqual({ stepKey: 'post', stepId: 'post', change: 'removed' });
  });
});

describe('replayJob: loops, child recipes and replies', () => {
  it('a forEach: each iteration compared under its own step key, only the changed item field named', async () => {
    const loop = (sku: string) =>
      recipeOf([{ id: 'each', forEach: '{{ trigger.body.lines }}', as: 'line', steps: [{ id: 'put', action: 'erp.put', input: { sku, qty: '{{ line.qty }}' } }] }]);
    const lines = {
      body: {
        lines: [
          { sku: 'a-1', qty: 1 },
          { sku: 'b-2', qty: 2 },
        ],
      },
    };
    const job = await record(loop('{{ line.sku }}'), lines, () => ok({ stored: true }));
    const report = await replayJob(loop('{{ $uppercase(line.sku) }}'), job, { version: 2, ran: loop('{{ line.sku }}'), redaction });
    expect(report.steps.map((s) => [s.stepKey, s.change, s.inputDiff?.map((d) => d.path), s.served])).toEqual([
      ['put[0]', 'inputChanged', ['sku'], 'anew'],
      ['put[1]', 'inputChanged', ['sku'], 'anew'],
      ['each', 'same', undefined, undefined],
    ]);
    expect(report.calls.map((c) => [c.stepKey, c.input])).toEqual([
      ['put[0]', { sku: 'A-1', qty: 1 }],
      ['put[1]', { sku: 'B-2', qty: 2 }],
    ]);
  });

  it('a child recipe is not started and a reply goes nowhere: both answered from the recording', async () => {
    const r = recipeOf([
      { id: 'child', callRecipe: { recipe: 'rcp_2', input: { id: '{{ trigger.body.name }}' } } },
      { id: 'reply', respond: { status: 201, body: { child: '{{ steps.child.ok }}' } } },
    ]);
    const performed: string[] = [];
    const job = await record(r, trigger, (c) => {
      performed.push(c.stepId);
      return ok({ ok: 'yes' });
    });
    expect(performed).toEqual(['child']);
    const report = await replayJob(r, job, { version: 1, ran: r, redaction });
    expect(performed).toEqual(['child']);
    expect(report.steps.map((s) => [s.stepKey, s.change, s.served])).toEqual([
      ['child', 'same', 'recorded'],
      ['reply', 'same', undefined],
    ]);
    expect(report.calls).toEqual([]);
  });
});

describe('renderPath', () => {
  it('dots names, brackets indices, quotes keys that are not plain names', () => {
    expect(renderPath(['body', 'customer', 'email'])).toBe('body.customer.email');
    expect(renderPath(['items', 2, 'sku'])).toBe('items[2].sku');
    expect(renderPath(['headers', 'content-type'])).toBe('headers.content-type');
    expect(renderPath(['a', 'x.y'])).toBe('a["x.y"]');
    expect(renderPath([])).toBe('');
  });
});
