import type { Recipe, Step } from '@junction/executor/contracts';

import type { JobState } from './job-state';
import { RerunConflictError, rerunOn } from './rerun-version';
import { T0, invokes, ok, recipeOf } from './spec-kit';
import { drive } from './test-driver';
import { validateRecipe } from './validate-recipe';

const failAt = (stepId: string) => (c: { stepId: string }) =>
  c.stepId === stepId ? { ok: false as const, error: { kind: 'fatal' as const, message: 'bad input' } } : ok({ v: c.stepId });
const copy = (s: JobState): JobState => JSON.parse(JSON.stringify(s)) as JobState;

async function failedOn(recipe: Recipe, stepId: string): Promise<JobState> {
  const run = await drive(recipe, {}, failAt(stepId));
  expect(run.final).toMatchObject({ type: 'finish', status: 'failed' });
  return copy(run.state);
}

describe('rerunOn: which version a rerun runs on', () => {
  const v1 = recipeOf([
    { id: 'fetch', action: 'a.fetch', input: {} },
    { id: 'post', action: 'a.post', input: { prev: '{{ steps.fetch.v }}' } },
    { id: 'tail', action: 'a.tail', input: {} },
  ]);

  it('on the version that ran: same cursor, every completed step kept, the record says so', async () => {
    const state = await failedOn(v1, 'post');
    const { state: next, record } = rerunOn(state, { ran: { version: 1, recipe: v1 }, on: { version: 1, recipe: v1 }, basis: 'ran', now: T0 });
    expect(record).toMatchObject({ basis: 'ran', fromVersion: 1, version: 1, kept: ['fetch'], again: ['post', 'tail'], dropped: [] });
    expect(next.reruns).toEqual([record]);
    const again = await drive(v1, {}, failAt('post'), { state: next });
    expect(invokes(again.commands).map((c) => c.stepId)).toEqual(['post']);
  });

  it('on latest: the cursor follows the failed step to its new place, kept outputs feed it, removed steps are dropped', async () => {
    const v2 = recipeOf([
      { id: 'fetch', action: 'a.fetch', input: {} },
      { id: 'post', action: 'a.post2', input: { prev: '{{ steps.fetch.v }}' } },
      { id: 'after', action: 'a.after', input: {} },
    ]);
    const state = await failedOn(v1, 'post');
    const { state: next, record } = rerunOn(state, { ran: { version: 1, recipe: v1 }, on: { version: 2, recipe: v2 }, basis: 'latest', now: T0 });
    expect(record).toMatchObject({ basis: 'latest', fromVersion: 1, version: 2, kept: ['fetch'], again: ['post', 'after'], dropped: [] });
    expect(next.job.recipeVersion).toBe(2);
    const again = await drive(v2, {}, () => ok({ v: 'x' }), { state: next });
    expect(invokes(again.commands).map((c) => [c.stepId, c.action, c.input])).toEqual([
      ['post', 'a.post2', { prev: 'fetch' }],
      ['after', 'a.after', {}],
    ]);
    expect(again.final.status).toBe('succeeded');
  });

  it('inside a forEach on latest: the loop goes on at the failed item with the body step moved', async () => {
    const loop = (body: Step[]): Recipe => recipeOf([{ id: 'each', forEach: [1, 2, 3], steps: body }]);
    const old = loop([
      { id: 'one', action: 'a.one', input: { n: '{{ item }}' } },
      { id: 'two', action: 'a.two', input: { n: '{{ item }}' } },
    ]);
    let calls = 0;
    const run = await drive(old, {}, (c) => (c.stepId === 'two' && ++calls === 2 ? { ok: false, error: { kind: 'fatal', message: 'no' } } : ok()));
    expect(run.final.status).toBe('failed');
    const neu = loop([
      { id: 'one', action: 'a.one', input: { n: '{{ item }}' } },
      { id: 'note', set: { x: 1 } },
      { id: 'two', action: 'a.two2', input: { n: '{{ item }}' } },
    ]);
    expect(() => rerunOn(copy(run.state), { ran: { version: 1, recipe: old }, on: { version: 2, recipe: neu }, basis: 'latest', now: T0 })).toThrow(/"note" was added before/);
    const later = loop([
      { id: 'one', action: 'a.one', input: { n: '{{ item }}' } },
      { id: 'two', action: 'a.two2', input: { n: '{{ item }}' } },
    ]);
    const { state } = rerunOn(copy(run.state), { ran: { version: 1, recipe: old }, on: { version: 2, recipe: later }, basis: 'latest', now: T0 });
    const again = await drive(later, {}, () => ok(), { state });
    expect(invokes(again.commands).map((c) => `${c.stepKey}:${c.action}`)).toEqual(['two[1]:a.two2', 'one[2]:a.one', 'two[2]:a.two2']);
  });

  it('an incompatible latest is a RerunConflictError naming why', async () => {
    const state = await failedOn(v1, 'post');
    const ran = { version: 1, recipe: v1 };
    const renamed = recipeOf([
      { id: 'fetch', action: 'a.fetch', input: {} },
      { id: 'publish', action: 'a.post', input: {} },
    ]);
    expect(() => rerunOn(copy(state), { ran, on: { version: 2, recipe: renamed }, basis: 'latest', now: T0 })).toThrow(
      new RerunConflictError('the failed step "post" no longer exists in version 2'),
    );
    const schedule = validateRecipe({ name: 's', trigger: { type: 'schedule', cron: '* * * * *' }, steps: v1.steps });
    if (!schedule.ok) throw new Error('invalid');
    expect(() => rerunOn(copy(state), { ran, on: { version: 3, recipe: schedule.recipe }, basis: 'latest', now: T0 })).toThrow(/trigger type changed from webhook to schedule/);
  });
});
