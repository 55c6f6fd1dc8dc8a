import type { JobRow } from '@junction/executor/data-access';
import type { SpanRecorder } from '@junction/platform/ports';
import { commandSpan, jobRunSpan, recordStepResult } from './job-spans';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

function recorder(): SpanRecorder & { attributes: Record<string, unknown>; failed?: string } {
  const out: SpanRecorder & { attributes: Record<string, unknown>; failed?: string } = {
    attributes: {},
    set: (attributes) => void Object.assign(out.attributes, attributes),
    fail: (reason) => void (out.failed = reason),
  };
  return out;
}

describe('job spans', () => {
  const row = {
    id: 'job_1',
    workspaceId: 'ws_1',
    recipeId: 'rcp_1',
    recipeVersion: 3,
    triggerKind: 'webhook',
    state: null,
    revision: 1,
    traceparent: TRACEPARENT,
  } as unknown as JobRow;

  it('a job run continues the trace stored with the job, in the job’s workspace', () => {
    expect(jobRunSpan(row)).toEqual({
      parent: TRACEPARENT,
      workspaceId: 'ws_1',
      attributes: {
        'junction.job.id': 'job_1',
        'junction.recipe.id': 'rcp_1',
        'junction.recipe.version': 3,
        'junction.workspace.id': 'ws_1',
        'junction.job.trigger_kind': 'webhook',
        'junction.job.redriven': false,
      },
    });
  });

  it('a job with state is a re-drive; one from before tracing starts a trace of its own (empty parent)', () => {
    const redriven = jobRunSpan({ ...row, state: { steps: {} }, traceparent: null } as unknown as JobRow);
    expect(redriven.parent).toBe('');
    expect(redriven.attributes?.['junction.job.redriven']).toBe(true);
  });

  it('a job claimed again without state (its first call cut by a crash before the folded checkpoint) is a re-drive', () => {
    expect(jobRunSpan({ ...row, revision: 2 } as unknown as JobRow).attributes?.['junction.job.redriven']).toBe(true);
  });

  it('an action step is named by its id and carries action and attempt, never its input', () => {
    const { name, spec } = commandSpan({
      type: 'invoke',
      stepId: 'contact',
      stepKey: 'contact[2]',
      action: 'http.request',
      connection: 'conn_1',
      input: { password: 'hunter2' },
      attempt: 2,
      maxAttempts: 3,
      idempotencyKey: 'job_1:contact[2]:0',
    });
    expect(name).toBe('step contact');
    expect(spec.attributes).toEqual({
      'junction.step.id': 'contact',
      'junction.step.key': 'contact[2]',
      'junction.step.kind': 'action',
      'junction.step.action': 'http.request',
      'junction.step.attempt': 2,
    });
    expect(JSON.stringify(spec)).not.toContain('hunter2');
  });

  it('a wait is a span of its own kind, with its reason', () => {
    const { name, spec } = commandSpan({ type: 'wait', until: 0, reason: 'retry', stepId: 'contact', stepKey: 'contact' });
    expect(name).toBe('wait contact');
    expect(spec.attributes).toMatchObject({ 'junction.step.kind': 'wait', 'junction.step.wait_reason': 'retry' });
  });

  it('a step’s outcome: succeeded, waiting, or failed by its error kind without the message', () => {
    const ok = recorder();
    recordStepResult(ok, { ok: true, output: { secret: 'x' } }, false);
    expect(ok.attributes).toEqual({ 'junction.step.status': 'succeeded' });
    const parked = recorder();
    recordStepResult(parked, undefined, true);
    expect(parked.attributes).toEqual({ 'junction.step.status': 'waiting' });
    const failed = recorder();
    recordStepResult(failed, { ok: false, error: { kind: 'retryable', message: 'upstream said token=abc' } }, false);
    expect(failed.attributes).toEqual({ 'junction.step.status': 'failed', 'junction.step.error_kind': 'retryable' });
    expect(failed.failed).toBe('retryable');
  });
});
