import { advance } from './interpreter';
import { start } from './job-lifecycle';
import type { StepResult } from './job-state';
import { WAIT_FOR_DEFAULT_TIMEOUT_MS } from './recipe-compiler';
import { T0, recipeOf } from './spec-kit';
import { drive } from './test-driver';
import { validateRecipe } from './validate-recipe';

/** waitFor: the engine issues `await`, resumes with the event, and a timeout is an error a `try` catches. */
describe('engine: waitFor', () => {
  const paid = { id: 'paid', waitFor: { event: 'invoice.paid', key: '{{ trigger.invoice }}', timeout: '3d' } } as const;
  const event = { name: 'invoice.paid', key: 'in_1', id: 'evt_1', data: { amount: 5 }, receivedAt: new Date(T0 + 5_000).toISOString() };

  it('issues an await with the rendered key and the timeout, the same again on a re-drive', async () => {
    const recipe = recipeOf([paid]);
    const first = await advance(recipe, start(recipe, { invoice: 'in_1' }, 'job_w', { now: T0 }), { now: T0 });
    expect(first.commands).toEqual([{ type: 'await', stepId: 'paid', stepKey: 'paid', event: { name: 'invoice.paid', key: 'in_1' }, until: T0 + 3 * 86_400_000 }]);
    const again = await advance(recipe, JSON.parse(JSON.stringify(first.state)), { now: T0 + 4 * 86_400_000 });
    // the engine never times an await out by itself: the executor looks for an event first
    expect(again.commands).toEqual(first.commands);
  });

  it('resumes with the event as the step output, addressable as steps.<id>', async () => {
    const recipe = recipeOf([paid, { id: 'note', set: { amount: '{{ steps.paid.data.amount }}', from: '{{ steps.paid.id }}' } }]);
    const first = await advance(recipe, start(recipe, { invoice: 'in_1' }, 'job_w', { now: T0 }), { now: T0 });
    const done = await advance(recipe, first.state, { now: T0 + 5_000, result: { ok: true, stepKey: 'paid', output: event } });
    expect(done.command).toMatchObject({ type: 'finish', status: 'succeeded' });
    expect(done.state.steps['paid']).toEqual(event);
    expect(done.state.vars).toEqual({ amount: 5, from: 'evt_1' });
    expect(done.records).toContainEqual(expect.objectContaining({ stepId: 'paid', kind: 'waitFor', status: 'succeeded', output: event }));
  });

  const timeout: StepResult = { ok: false, stepKey: 'paid', error: { kind: 'timeout', message: 'no event' } };

  it('a timeout is caught by a try around it', async () => {
    const recipe = recipeOf([{ id: 'guard', try: [paid], catch: [{ id: 'late', set: { late: '{{ steps.guard.error.kind }}' } }] }]);
    const first = await advance(recipe, start(recipe, { invoice: 'in_1' }, 'job_w', { now: T0 }), { now: T0 });
    const done = await advance(recipe, first.state, { now: T0 + 3 * 86_400_000, result: timeout });
    expect(done.command).toMatchObject({ type: 'finish', status: 'succeeded' });
    expect(done.state.vars).toEqual({ late: 'timeout' });
    expect(done.records).toContainEqual(expect.objectContaining({ stepId: 'paid', status: 'failed', error: expect.objectContaining({ kind: 'timeout', stepKey: 'paid' }) }));
  });

  it('an uncaught timeout fails the job with error.kind timeout, naming the event and key', async () => {
    const recipe = recipeOf([paid]);
    const first = await advance(recipe, start(recipe, { invoice: 'in_1' }, 'job_w', { now: T0 }), { now: T0 });
    const done = await advance(recipe, first.state, { now: T0 + 3 * 86_400_000, result: timeout });
    expect(done.command).toMatchObject({ type: 'finish', status: 'failed', error: { kind: 'timeout', stepId: 'paid' } });
    expect(done.state.error?.message).toContain('invoice.paid');
    expect(done.state.error?.message).toContain('"in_1"');
  });

  it('inside a sequential forEach each iteration waits on its own key and step key', async () => {
    const recipe = recipeOf([{ id: 'each', forEach: '{{ trigger.invoices }}', as: 'inv', steps: [{ id: 'w', waitFor: { event: 'invoice.paid', key: '{{ inv }}' } }] }]);
    const log = await drive(recipe, { invoices: ['a', 'b'] }, () => ({ ok: true }), { events: (c, now) => ({ at: now + 10, data: c.event.key }) });
    expect(log.final).toMatchObject({ status: 'succeeded' });
    expect(log.commands.filter((c) => c.type === 'await')).toEqual([
      expect.objectContaining({ stepKey: 'w[0]', event: { name: 'invoice.paid', key: 'a' }, until: T0 + WAIT_FOR_DEFAULT_TIMEOUT_MS }),
      expect.objectContaining({ stepKey: 'w[1]', event: { name: 'invoice.paid', key: 'b' } }),
    ]);
  });

  it('the test driver times a wait out when no event comes (a test run does not hang)', async () => {
    const log = await drive(recipeOf([paid]), { invoice: 'in_1' }, () => ({ ok: true }));
    expect(log.final).toMatchObject({ status: 'failed', error: { kind: 'timeout' } });
    expect(log.now).toBe(T0 + 3 * 86_400_000);
  });

  it('a key that renders empty or longer than 256 characters fails the step as invalid', async () => {
    const empty = await drive(recipeOf([paid]), {}, () => ({ ok: true }));
    expect(empty.final).toMatchObject({ status: 'failed', error: { kind: 'invalid', message: 'waitFor key rendered empty' } });
    const long = await drive(recipeOf([paid]), { invoice: 'x'.repeat(257) }, () => ({ ok: true }));
    expect(long.final).toMatchObject({ status: 'failed', error: { kind: 'invalid' } });
  });

  it('is refused at save inside a parallel forEach or a parallel branch, at the step path; timeouts over 30d and $-names are refused', () => {
    const inLane = validateRecipe({
      name: 'x',
      trigger: { type: 'webhook' },
      steps: [{ id: 'each', forEach: [1, 2], concurrency: 2, steps: [{ id: 'w', waitFor: { event: 'e', key: 'k' } }] }],
    });
    expect(inLane.ok).toBe(false);
    expect(!inLane.ok && inLane.errors).toContainEqual(expect.objectContaining({ path: '/steps/0/steps/0/waitFor' }));
    const inBranch = validateRecipe({ name: 'x', trigger: { type: 'webhook' }, steps: [{ id: 'p', parallel: { a: [{ id: 'w', waitFor: { event: 'e', key: 'k' } }] } }] });
    expect(!inBranch.ok && inBranch.errors).toContainEqual(expect.objectContaining({ path: '/steps/0/parallel/a/0/waitFor' }));
    const long = validateRecipe({ name: 'x', trigger: { type: 'webhook' }, steps: [{ id: 'w', waitFor: { event: 'e', key: 'k', timeout: '31d' } }] });
    expect(!long.ok && long.errors).toContainEqual(expect.objectContaining({ path: '/steps/0/waitFor/timeout' }));
    const reserved = validateRecipe({ name: 'x', trigger: { type: 'webhook' }, steps: [{ id: 'w', waitFor: { event: '$approval', key: 'k' } }] });
    expect(!reserved.ok && reserved.errors).toContainEqual(expect.objectContaining({ path: '/steps/0/waitFor/event' }));
  });
});
