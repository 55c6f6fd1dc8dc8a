import { advance } from './interpreter';
import { start } from './job-lifecycle';
import { decideRetry } from './retry';
import { T0, recipeOf } from './spec-kit';
import type { StepResult } from './job-state';

/** A step the executor's effect ledger held back (`uncertain`): final, never retried, not caught by `try`. */
describe('engine: uncertain steps', () => {
  const uncertain: StepResult = { ok: false, attempt: 1, error: { kind: 'uncertain', message: 'a crash cut the call' } };

  it('is never retried', () => {
    expect(decideRetry({ kind: 'uncertain' }, 1, 0, { maxAttempts: 5, initialMs: 1, maxMs: 1, factor: 1 }, 0.5)).toEqual({ retry: false });
  });

  it('ends the job failed with error.kind uncertain, even inside a try', async () => {
    const recipe = recipeOf([
      {
        id: 'guard',
        try: [{ id: 'pay', action: 'http.request', input: { method: 'POST', url: 'https://pay.example/charge' } }],
        catch: [{ id: 'caught', set: { caught: true } }],
      },
    ]);
    const first = await advance(recipe, start(recipe, {}, 'job_u', { now: T0 }), { now: T0 });
    expect(first.command).toMatchObject({ type: 'invoke', stepKey: 'pay', attempt: 1 });
    const next = await advance(recipe, first.state, { now: T0 + 10, result: uncertain });
    expect(next.command).toMatchObject({ type: 'finish', status: 'failed', error: { kind: 'uncertain', stepKey: 'pay' } });
    expect(next.records).toContainEqual(expect.objectContaining({ stepId: 'pay', status: 'failed', error: expect.objectContaining({ kind: 'uncertain' }) }));
    expect(next.records.some((r) => r.stepId === 'caught')).toBe(false);
  });
});
