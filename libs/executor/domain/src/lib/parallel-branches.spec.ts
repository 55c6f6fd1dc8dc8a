import type { Recipe, Step } from '@junction/executor/contracts';
import { aRecipe } from '@junction/shared/testing';

import { advance } from './interpreter';
import { rerun, start } from './job-lifecycle';
import { type Command, commandId, type JobState, StaleResultError, type StepResult } from './job-state';
import { RerunConflictError, rerunOn } from './rerun-version';
import { drive, type Pick } from './test-driver';
import { validateRecipe } from './validate-recipe';
import { T0, invokes, ok, recipeOf } from './spec-kit';

const keys = (commands: Command[]) => commands.map(commandId);
const roundTrip = (state: JobState) => JSON.parse(JSON.stringify(state)) as JobState;
const call = (id: string, extra: Partial<Step> = {}): Step => ({ id, action: 'x.call', input: { step: id }, ...extra }) as Step;
const fatal = (message: string): StepResult => ({ ok: false, error: { kind: 'fatal', message } });
/** The newest command completes first: branches finish in reverse order of starting. */
const newestFirst: Pick = (inFlight) => inFlight.length - 1;

/** Three branches: `crm` two calls, `billing` one, `ship` one then a set reading its branch-mate. */
const fanOut = (extra: Partial<Step> = {}, after: Step[] = []): Recipe =>
  recipeOf([
    {
      id: 'enrich',
      parallel: {
        crm: [call('contact'), call('notes')],
        billing: [call('invoice')],
        ship: [call('label'), { id: 'tracked', set: { tracking: '{{ steps.label.n }}' } }],
      },
      ...extra,
    } as Step,
    ...after,
  ]);
const echo = (c: { stepKey: string }): StepResult => ok({ n: c.stepKey });

describe('parallel: branches run at once and join', () => {
  it('issues the first step of every branch in one advance, keyed by step id alone', async () => {
    const recipe = fanOut();
    const first = await advance(recipe, start(recipe, {}, 'job_p', { now: T0 }), { now: T0 });
    expect(keys(first.commands)).toEqual(['invoke:contact#1', 'invoke:invoice#1', 'invoke:label#1']);
    expect(invokes(first.commands).map((c) => c.idempotencyKey)).toEqual(['job_p:contact:0', 'job_p:invoice:0', 'job_p:label:0']);
    expect(first.records).toEqual([]);
  });

  it('joins in any completion order: the output maps each branch to its top-level steps, later steps read steps.<id>.<branch>', async () => {
    const after: Step[] = [{ id: 'merge', set: { who: '{{ steps.enrich.crm.contact.n }}', track: '{{ steps.enrich.ship.tracked.tracking }}' } }];
    const joined = {
      crm: { contact: { n: 'contact' }, notes: { n: 'notes' } },
      billing: { invoice: { n: 'invoice' } },
      ship: { label: { n: 'label' }, tracked: { tracking: 'label' } },
    };
    for (const pick of [undefined, newestFirst]) {
      const log = await drive(fanOut({}, after), {}, echo, { pick, roundTrip: true });
      expect(log.final.status).toBe('succeeded');
      expect(log.peak).toBe(3);
      expect(log.state.steps['enrich']).toEqual(joined);
      expect(log.state.vars).toEqual({ tracking: 'label', who: 'contact', track: 'label' });
      expect(log.records.filter((r) => r.stepId === 'enrich')).toEqual([{ stepId: 'enrich', stepKey: 'enrich', kind: 'parallel', status: 'succeeded', output: joined }]);
      // the join comes after every branch's steps, and before the step after it
      const order = log.records.map((r) => r.stepId);
      expect(order.indexOf('enrich')).toBe(order.indexOf('merge') - 1);
      expect(log.state.stack).toEqual([]);
    }
  });

  it('a step of one branch waits for the previous one of its branch only', async () => {
    const recipe = fanOut();
    const first = await advance(recipe, start(recipe, {}, 'job_s', { now: T0 }), { now: T0 });
    const second = await advance(recipe, first.state, { now: T0 + 1, result: { ...ok({ n: 1 }), stepKey: 'contact' } });
    expect(keys(second.commands)).toEqual(['invoke:notes#1', 'invoke:invoice#1', 'invoke:label#1']);
    // a result for a step that is not pending is stale; with several pending, a result must name its step
    await expect(advance(recipe, second.state, { now: T0 + 2, result: { ok: true, stepKey: 'contact' } })).rejects.toBeInstanceOf(StaleResultError);
    await expect(advance(recipe, second.state, { now: T0 + 2, result: { ok: true } })).rejects.toThrow('must name its stepKey');
  });

  it('a retry backoff in one branch does not hold the others back', async () => {
    let first = true;
    const log = await drive(
      fanOut(),
      {},
      (c) => {
        if (c.stepKey === 'contact' && first) {
          first = false;
          return { ok: false, error: { kind: 'rate_limited', message: '429', retryAfterMs: 5_000 } };
        }
        return echo(c);
      },
      {
        pick: (inFlight) =>
          Math.max(
            0,
            inFlight.findIndex((c) => c.type !== 'wait'),
          ),
      },
    );
    expect(log.final.status).toBe('succeeded');
    const ids = keys(log.commands);
    const retry = ids.indexOf('invoke:contact#2');
    for (const other of ['invoke:invoice#1', 'invoke:label#1']) expect(ids.indexOf(other)).toBeLessThan(retry);
    expect(ids.findIndex((id) => id.startsWith('wait:contact'))).toBeLessThan(retry);
  });

  it('a re-drive from a JSON round-tripped checkpoint re-issues exactly the in-flight commands with the same keys', async () => {
    const recipe = fanOut();
    const first = await advance(recipe, start(recipe, {}, 'job_r', { now: T0 }), { now: T0 });
    const oneDone = await advance(recipe, first.state, { now: T0 + 1, result: { ...ok(), stepKey: 'invoice' } });
    const redriven = await advance(recipe, roundTrip(oneDone.state), { now: T0 + 2 });
    expect(redriven.commands).toEqual(oneDone.commands);
    expect(keys(redriven.commands)).toEqual(['invoke:contact#1', 'invoke:label#1']);
    expect(redriven.records).toEqual([]);
    // advance never modifies the state it is given
    const before = JSON.stringify(first.state);
    await advance(recipe, first.state, { now: T0, result: { ...fatal('x'), stepKey: 'label' } });
    expect(JSON.stringify(first.state)).toBe(before);
  });

  it('nests: inside a concurrent forEach each iteration keys its branches by index; a forEach inside a branch keeps its own lanes', async () => {
    const recipe = recipeOf([
      {
        id: 'rows',
        forEach: '{{ trigger.rows }}',
        concurrency: 2,
        steps: [
          {
            id: 'fan',
            parallel: {
              left: [call('l', { input: { v: '{{ item }}' } } as Partial<Step>)],
              right: [{ id: 'cells', forEach: '{{ item }}', as: 'cell', concurrency: 2, steps: [call('c', { input: { v: '{{ cell }}' } } as Partial<Step>)] }],
            },
          },
        ],
      },
    ]);
    const first = await advance(recipe, start(recipe, { rows: [[1, 2], [3]] }, 'job_n', { now: T0 }), { now: T0 });
    expect(keys(first.commands)).toEqual(['invoke:l[0]#1', 'invoke:c[0][0]#1', 'invoke:c[0][1]#1', 'invoke:l[1]#1', 'invoke:c[1][0]#1']);
    const log = await drive(recipe, { rows: [[1, 2], [3]] }, (c) => ok({ v: (c.input as { v: unknown }).v }), { pick: newestFirst, roundTrip: true });
    expect(log.final.status).toBe('succeeded');
    expect(log.records.filter((r) => r.stepId === 'fan').map((r) => [r.stepKey, r.output])).toEqual(
      expect.arrayContaining([
        ['fan[0]', { left: { l: { v: [1, 2] } }, right: { cells: { count: 2 } } }],
        ['fan[1]', { left: { l: { v: [3] } }, right: { cells: { count: 1 } } }],
      ]),
    );
  });
  it('nests a parallel step in a branch: the inner one joins into its branch, the outer one after every branch; a failure deep inside fails the job and a rerun repeats only that step', async () => {
    const recipe = recipeOf([
      {
        id: 'outer',
        parallel: {
          left: [{ id: 'inner', parallel: { a: [call('ia')], b: [call('ib')] } } as Step, call('after_inner', { input: { a: '{{ steps.inner.a.ia.n }}' } } as Partial<Step>)],
          right: [call('r')],
        },
      } as Step,
    ]);
    const first = await advance(recipe, start(recipe, {}, 'job_nn', { now: T0 }), { now: T0 });
    expect(keys(first.commands)).toEqual(['invoke:ia#1', 'invoke:ib#1', 'invoke:r#1']);
    for (const pick of [undefined, newestFirst]) {
      const log = await drive(recipe, {}, echo, { pick, roundTrip: true });
      expect(log.final.status).toBe('succeeded');
      expect(log.state.steps['outer']).toEqual({
        left: { inner: { a: { ia: { n: 'ia' } }, b: { ib: { n: 'ib' } } }, after_inner: { n: 'after_inner' } },
        right: { r: { n: 'r' } },
      });
      expect(invokes(log.commands).find((c) => c.stepKey === 'after_inner')?.input).toEqual({ a: 'ia' });
    }

    let failed = false;
    const ibFailsOnce = (c: { stepKey: string }): StepResult => {
      if (c.stepKey === 'ib' && !failed) {
        failed = true;
        return fatal('boom');
      }
      return echo(c);
    };
    const rOnly: Pick = (inFlight) =>
      Math.max(
        0,
        inFlight.findIndex((c) => c.type === 'invoke' && c.stepKey !== 'ib'),
      );
    const log = await drive(recipe, {}, ibFailsOnce, { pick: rOnly });
    expect(log.final).toMatchObject({ status: 'failed', error: { stepId: 'ib' } });
    const done = invokes(log.commands).map((c) => c.stepKey);
    expect(done.sort()).toEqual(['ia', 'ib', 'r']);
    const again = await drive(recipe, {}, ibFailsOnce, { state: rerun(recipe, roundTrip(log.state), { now: T0 }), roundTrip: true });
    expect(again.final.status).toBe('succeeded');
    expect(invokes(again.commands).map((c) => c.stepKey)).toEqual(['ib', 'after_inner']);
  });
});

describe('parallel: failures', () => {
  /** Fails `invoice` (billing) at once; the other branches' calls answer in their turn. */
  const billingFails = (c: { stepKey: string }): StepResult => (c.stepKey === 'invoice' ? fatal('402 Payment Required') : echo(c));
  /** `invoice` answers first, then the others oldest first. */
  const invoiceFirst: Pick = (inFlight) =>
    Math.max(
      0,
      inFlight.findIndex((c) => c.type === 'invoke' && c.stepKey === 'invoice'),
    );

  it('first-failure (default): a failed branch fails the job at once; the other branches send nothing more', async () => {
    const log = await drive(fanOut(), {}, billingFails, { pick: invoiceFirst });
    expect(log.final).toMatchObject({ status: 'failed', error: { stepId: 'invoice', kind: 'fatal', message: '402 Payment Required' } });
    // contact and label were in flight when invoice failed: notes and tracked never start
    expect(invokes(log.commands).map((c) => c.stepKey)).toEqual(['contact', 'invoice', 'label']);
    expect(log.records.map((r) => `${r.stepId}:${r.status}`)).toEqual(['invoice:failed']);

    // step by step: the failure's advance issues only the finish; a late result of another branch is stale
    const recipe = fanOut();
    const first = await advance(recipe, start(recipe, {}, 'job_f', { now: T0 }), { now: T0 });
    const failed = await advance(recipe, first.state, { now: T0 + 1, result: { ...fatal('no'), stepKey: 'invoice' } });
    expect(failed.commands).toEqual([expect.objectContaining({ type: 'finish', status: 'failed' })]);
    expect((await advance(recipe, failed.state, { now: T0 + 2, result: { ok: true, stepKey: 'contact' } })).commands).toEqual(failed.commands);
  });

  it('a try around it catches the first failure: the catch runs once, the abandoned branches are gone', async () => {
    const recipe = recipeOf([
      {
        id: 'guard',
        try: [{ id: 'enrich', parallel: { crm: [call('contact'), call('notes')], billing: [call('invoice')] } }],
        catch: [{ id: 'note', set: { failedAt: '{{ steps.guard.error.stepId }}', why: '{{ steps.guard.error.message }}' } }],
      },
      call('end'),
    ]);
    const log = await drive(recipe, {}, billingFails, { pick: invoiceFirst, roundTrip: true });
    expect(log.final.status).toBe('succeeded');
    expect(log.state.vars).toEqual({ failedAt: 'invoice', why: '402 Payment Required' });
    expect(invokes(log.commands).map((c) => c.stepKey)).toEqual(['contact', 'invoice', 'end']);
    expect(log.state.steps['enrich']).toBeUndefined();
    expect(log.state.stack).toEqual([]);
  });

  it('mode all: the other branches run to their end, then the step fails naming every failed branch; a try catches that', async () => {
    const failTwo = (c: { stepKey: string }): StepResult => (c.stepKey === 'invoice' || c.stepKey === 'notes' ? fatal(`${c.stepKey} refused`) : echo(c));
    const log = await drive(fanOut({ mode: 'all' }), {}, failTwo, { pick: invoiceFirst });
    expect(invokes(log.commands).map((c) => c.stepKey)).toEqual(['contact', 'invoice', 'label', 'notes']);
    expect(log.records.filter((r) => r.stepId === 'tracked')).toHaveLength(1); // ship ran to its end after billing failed
    expect(log.final).toMatchObject({
      status: 'failed',
      error: {
        stepId: 'enrich',
        stepKey: 'enrich',
        kind: 'fatal',
        message: 'branch "crm" failed at step "notes": notes refused; branch "billing" failed at step "invoice": invoice refused',
        details: { branches: { crm: { stepId: 'notes', kind: 'fatal' }, billing: { stepId: 'invoice', kind: 'fatal' } } },
      },
    });
    expect(log.records.filter((r) => r.status === 'failed').map((r) => r.stepId)).toEqual(['invoice', 'notes', 'enrich']);

    const guarded = recipeOf([
      {
        id: 'guard',
        try: [{ id: 'enrich', mode: 'all', parallel: { a: [call('x')], b: [call('y')] } }],
        catch: [{ id: 'seen', set: { e: '{{ steps.guard.error.details.branches.b.message }}' } }],
      },
    ]);
    const caught = await drive(guarded, {}, (c) => (c.stepKey === 'y' ? fatal('y down') : ok()), { roundTrip: true });
    expect(caught.final.status).toBe('succeeded');
    expect(caught.state.vars).toEqual({ e: 'y down' });
  });

  it('stop inside a branch ends the whole job; a failed stop is not held back by mode all', async () => {
    const stopped = await drive(recipeOf([{ id: 'p', parallel: { a: [{ id: 'halt', stop: { reason: 'enough' } }], b: [call('y'), call('z')] } }]), {}, () => ok());
    expect(stopped.final).toEqual({ type: 'finish', status: 'stopped', reason: 'enough' });
    expect(invokes(stopped.commands).map((c) => c.stepKey)).toEqual([]);
    const failedStop = await drive(recipeOf([{ id: 'p', mode: 'all', parallel: { a: [{ id: 'halt', stop: { failed: true } }], b: [call('y')] } }]), {}, () => ok());
    expect(failedStop.final).toMatchObject({ status: 'failed', error: { kind: 'stopped', stepId: 'halt' } });
  });
});

describe('parallel: reruns restart only unfinished branches', () => {
  it('first-failure: completed branches are not repeated; the failed branch continues from its failed step', async () => {
    const recipe = fanOut({}, [call('after')]);
    let down = true;
    const perform = (c: { stepKey: string }): StepResult => (c.stepKey === 'notes' && down ? fatal('crm down') : echo(c));
    // oldest first: contact, invoice, label complete; then notes fails while tracked has run
    const failing = await drive(recipe, {}, perform, { roundTrip: true });
    expect(failing.final).toMatchObject({ status: 'failed', error: { stepId: 'notes' } });
    expect(invokes(failing.commands).map((c) => c.stepKey)).toEqual(['contact', 'invoice', 'label', 'notes']);
    down = false;
    const fixed = await drive(recipe, {}, perform, { state: rerun(recipe, roundTrip(failing.state), { now: T0 }), roundTrip: true });
    expect(invokes(fixed.commands).map((c) => c.idempotencyKey)).toEqual(['job_1:notes:1', 'job_1:after:1']);
    expect(fixed.final.status).toBe('succeeded');
    expect(fixed.state.steps['enrich']).toEqual({
      crm: { contact: { n: 'contact' }, notes: { n: 'notes' } },
      billing: { invoice: { n: 'invoice' } },
      ship: { label: { n: 'label' }, tracked: { tracking: 'label' } },
    });
  });

  it('first-failure: a branch cancelled mid-way starts its current step again, not its completed ones', async () => {
    const recipe = fanOut();
    const first = await advance(recipe, start(recipe, {}, 'job_c', { now: T0 }), { now: T0 });
    const contactDone = await advance(recipe, first.state, { now: T0 + 1, result: { ...ok({ n: 'c' }), stepKey: 'contact' } });
    const failed = await advance(recipe, contactDone.state, { now: T0 + 2, result: { ...fatal('no'), stepKey: 'invoice' } });
    expect(failed.state.status).toBe('failed');
    const again = await advance(recipe, rerun(recipe, roundTrip(failed.state), { now: T0 + 3 }), { now: T0 + 3 });
    // crm was at notes (contact done), billing at its failed invoice, ship at label (in flight when cancelled)
    expect(invokes(again.commands).map((c) => c.idempotencyKey)).toEqual(['job_c:notes:1', 'job_c:invoice:1', 'job_c:label:1']);
  });

  it('mode all: only the failed branches run again', async () => {
    const recipe = fanOut({ mode: 'all' });
    let down = true;
    const failing = await drive(recipe, {}, (c) => (c.stepKey === 'invoice' && down ? fatal('402') : echo(c)), { roundTrip: true });
    expect(failing.final).toMatchObject({ status: 'failed', error: { stepId: 'enrich' } });
    down = false;
    const fixed = await drive(recipe, {}, echo, { state: rerun(recipe, roundTrip(failing.state), { now: T0 }) });
    expect(invokes(fixed.commands).map((c) => c.stepKey)).toEqual(['invoice']);
    expect(fixed.final.status).toBe('succeeded');
    expect(Object.keys(fixed.state.steps['enrich'] as object)).toEqual(['crm', 'billing', 'ship']);
  });

  it('on another version: a changed step in the failed branch runs; a branch added to the started step is refused', async () => {
    const v1 = fanOut();
    const failing = await drive(v1, {}, (c) => (c.stepKey === 'invoice' ? fatal('bad input') : echo(c)), { pick: newestFirst });
    expect(failing.final.status).toBe('failed');
    const edit = (billing: Step[], more: Record<string, Step[]> = {}): Recipe =>
      recipeOf([
        { id: 'enrich', parallel: { crm: [call('contact'), call('notes')], billing, ship: [call('label'), { id: 'tracked', set: { tracking: '{{ steps.label.n }}' } }], ...more } },
      ]);
    const v2 = edit([call('invoice', { input: { fixed: true } } as Partial<Step>)]);
    const { state, record } = rerunOn(roundTrip(failing.state), { ran: { version: 1, recipe: v1 }, on: { version: 2, recipe: v2 }, basis: 'latest', now: T0 });
    expect(record.again).toEqual(expect.arrayContaining(['invoice', 'enrich']));
    const fixed = await drive(v2, {}, echo, { state });
    expect(invokes(fixed.commands).map((c) => [c.stepKey, c.input])).toEqual(expect.arrayContaining([['invoice', { fixed: true }]]));
    expect(fixed.final.status).toBe('succeeded');

    const v3 = edit([call('invoice')], { audit: [call('log_it')] });
    expect(() => rerunOn(roundTrip(failing.state), { ran: { version: 1, recipe: v1 }, on: { version: 3, recipe: v3 }, basis: 'latest', now: T0 })).toThrow(
      new RerunConflictError('branch "audit" was added to parallel step "enrich" in version 3; the step had started, so it would never run'),
    );
  });

  it('on another version: a step added before the cursor of a cancelled branch later in the document is refused; one added after it runs', async () => {
    const v1 = fanOut();
    // contact answers, then invoice fails: crm was cancelled at notes, ship at label
    const order: Pick = (inFlight) => {
      const at = ['contact', 'invoice'].map((k) => inFlight.findIndex((c) => c.type === 'invoke' && c.stepKey === k)).find((i) => i >= 0);
      return at ?? 0;
    };
    const failing = await drive(v1, {}, (c) => (c.stepKey === 'invoice' ? fatal('bad input') : echo(c)), { pick: order });
    expect(failing.final).toMatchObject({ status: 'failed', error: { stepId: 'invoice' } });
    const withShip = (ship: Step[]): Recipe => recipeOf([{ id: 'enrich', parallel: { crm: [call('contact'), call('notes')], billing: [call('invoice')], ship } }]);
    const rerunTo = (recipe: Recipe) => rerunOn(roundTrip(failing.state), { ran: { version: 1, recipe: v1 }, on: { version: 2, recipe }, basis: 'latest', now: T0 });

    expect(() => rerunTo(withShip([call('pre'), call('label'), { id: 'tracked', set: { tracking: '{{ steps.label.n }}' } }]))).toThrow(
      new RerunConflictError('step "pre" was added before step "label" of block "enrich/ship" in version 2, which a running lane had passed, so it would never run'),
    );
    const v3 = withShip([call('label'), call('post'), { id: 'tracked', set: { tracking: '{{ steps.label.n }}' } }]);
    const { state } = rerunTo(v3);
    const again = await drive(v3, {}, echo, { state });
    expect(again.final.status).toBe('succeeded');
    expect(
      invokes(again.commands)
        .map((c) => c.stepKey)
        .sort(),
    ).toEqual(['invoice', 'label', 'notes', 'post']);
  });
});

describe('parallel: validation', () => {
  const errorsOf = (steps: unknown[]) => {
    const result = validateRecipe(aRecipe({ steps: steps as Step[] }));
    return result.ok ? [] : result.errors;
  };

  it.each([
    ['respond', { id: 'r', respond: { status: 200 } }],
    ['callRecipe', { id: 'c', callRecipe: { recipe: 'rcp_2', input: {} } }],
  ])('refuses %s inside a branch at any depth, and allows it after the join', (kind, step) => {
    expect(errorsOf([{ id: 'p', parallel: { a: [{ id: 'g', try: [step] }] } }])).toEqual([
      { path: `/steps/0/parallel/a/0/try/0/${kind}`, message: 'is not allowed inside a branch of a parallel step' },
    ]);
    expect(errorsOf([{ id: 'p', parallel: { a: [call('x')] } }, step])).toEqual([]);
  });

  it('step ids are unique across branches', () => {
    expect(errorsOf([{ id: 'p', parallel: { a: [call('x')], b: [call('x')] } }])).toEqual([
      { path: '/steps/0/parallel/b/0/id', message: 'duplicate step id "x" (first used at /steps/0/parallel/a/0)' },
    ]);
  });

  it('a branch may read its own earlier steps and steps before the parallel step; another branch of a later parallel step may read a joined one', () => {
    expect(
      errorsOf([
        { id: 'before', set: { v: 1 } },
        { id: 'p', parallel: { a: [call('x'), call('y', { input: { x: '{{ steps.x.n }}', b: '{{ steps.before.v }}' } } as Partial<Step>)], b: [call('z')] } },
        { id: 'q', parallel: { c: [call('w', { input: { x: '{{ steps.x.n }}', p: '{{ steps.p.b.z }}' } } as Partial<Step>)] } },
      ]),
    ).toEqual([]);
  });

  it('names the one branch key that is no list, and a mode that does not exist', () => {
    expect(errorsOf([{ id: 'p', parallel: { a: [call('x')], b: 'y' }, mode: 'any' }])).toEqual([
      { path: '/steps/0/parallel/b', message: 'must be array' },
      { path: '/steps/0/mode', message: 'must be one of "first-failure", "all"' },
    ]);
  });

  it('bounds the fan-out of one step: at most 20 branches, names of at most 64 characters, no prototype keys as names', () => {
    const branches = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`b${i}`, [call(`s${i}`)]]));
    expect(errorsOf([{ id: 'p', parallel: branches(20) }])).toEqual([]);
    expect(errorsOf([{ id: 'p', parallel: branches(21) }]).map((e) => e.path)).toEqual(['/steps/0/parallel']);
    expect(errorsOf([{ id: 'p', parallel: { ['x'.repeat(65)]: [call('s')] } }]).length).toBeGreaterThan(0);
    // a JSON body can carry "__proto__" as an own key: the join would set its output's prototype with it
    const proto = JSON.parse('{"id":"p","parallel":{"__proto__":[{"id":"s","set":{"v":1}}],"ok":[{"id":"t","set":{"v":2}}]}}') as Step;
    expect(errorsOf([proto])).toEqual([{ path: '/steps/0/parallel/__proto__', message: 'is a reserved name, not a branch name' }]);
  });
});
