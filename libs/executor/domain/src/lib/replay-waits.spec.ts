import type { Step } from '@junction/executor/contracts';

import { replayJob, type RecordedJob, type ReplayRedaction } from './replay';
import { T0, ok, recipeOf } from './spec-kit';
import { drive } from './test-driver';

const redaction: ReplayRedaction = { input: (_a, v) => v, output: (_a, v) => v };

async function record(steps: Step[], trigger: unknown, events: Parameters<typeof drive>[3]): Promise<RecordedJob> {
  const recipe = recipeOf(steps);
  const run = await drive(recipe, trigger, () => ok({ sent: true }), { jobId: 'job_w', now: T0, ...events });
  const { trigger: _t, ...state } = JSON.parse(JSON.stringify(run.state)) as Record<string, unknown>;
  return {
    id: 'job_w',
    status: run.state.status,
    trigger,
    state,
    startedAt: T0,
    steps: run.records.map((r, i) => ({
      stepId: r.stepId,
      stepKey: r.stepKey,
      kind: r.kind,
      status: r.status,
      input: r.input ?? null,
      output: r.output ?? null,
      error: r.error ?? null,
      finishedAt: T0 + i,
    })),
  };
}

describe('replayJob: a wait on the outside world answered from the recording', () => {
  it('waitFor: the recorded event is the answer; nothing is waited for', async () => {
    const steps: Step[] = [
      { id: 'paid', waitFor: { event: 'invoice.paid', key: '{{ trigger.invoice }}', timeout: '3d' } } as Step,
      { id: 'after', set: { amount: '{{ steps.paid.data.amount }}' } },
    ];
    const job = await record(steps, { invoice: 'in_1' }, { events: () => ({ at: T0 + 1000, data: { amount: 12 } }) });
    expect(job.status).toBe('succeeded');
    const report = await replayJob(recipeOf(steps), job, { version: 1, ran: recipeOf(steps), redaction });
    expect(report.steps.map((s) => [s.stepKey, s.change, s.served])).toEqual([
      ['paid', 'same', 'recorded'],
      ['after', 'same', undefined],
    ]);
    expect(report.output.diff).toEqual([]);
    const timedOut = await record(steps, { invoice: 'in_2' }, {});
    const again = await replayJob(recipeOf(steps), timedOut, { version: 1, ran: recipeOf(steps), redaction });
    expect(again.status).toEqual({ before: 'failed', after: 'failed' });
  });

  it('approval: no approval is created, the recorded decision is the answer', async () => {
    const steps: Step[] = [
      { id: 'manager', approval: { title: 'ok?', timeout: '1h', notify: { action: 'slack.post', input: { text: '{{ approval.approveUrl }}' } } } } as Step,
      { id: 'after', set: { approved: '{{ steps.manager.approved }}' } },
    ];
    // as the executor records it: the approval step's row holds the decision; its notify input is not kept
    const decision = { decision: 'approved', approved: true, comment: null, by: 'link', at: '2026-12-07T10:00:00.000Z' };
    const job: RecordedJob = {
      id: 'job_a',
      status: 'succeeded',
      trigger: {},
      state: { seed: 7, job: { id: 'job_a' }, steps: { manager: decision, after: { approved: true } } },
      startedAt: T0,
      steps: [
        { stepId: 'manager', stepKey: 'manager', kind: 'approval', status: 'succeeded', input: null, output: decision, error: null, finishedAt: T0 + 60_000 },
        { stepId: 'after', stepKey: 'after', kind: 'set', status: 'succeeded', input: null, output: { approved: true }, error: null, finishedAt: T0 + 60_000 },
      ],
    };
    const report = await replayJob(recipeOf(steps), job, { version: 1, ran: recipeOf(steps), redaction });
    expect(report.steps.map((s) => [s.stepKey, s.change, s.served])).toEqual([
      ['manager', 'same', 'recorded'],
      ['after', 'same', undefined],
    ]);
    expect(report.output.diff).toEqual([]);
    expect(report.calls).toEqual([]);
  });
});
