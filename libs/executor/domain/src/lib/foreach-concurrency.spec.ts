import type { Recipe, Step } from '@junction/executor/contracts';
import { aRecipe } from '@junction/shared/testing';

import { advance } from './interpreter';
import { rerun, start } from './job-lifecycle';
import { type Command, type JobState, StaleResultError, type StepResult } from './job-state';
import { commandId } from './job-state';
import { drive, type Pick } from './test-driver';
import { validateRecipe } from './validate-recipe';
import { T0, invokes, ok, recipeOf, type Invoke } from './spec-kit';

const keys = (commands: Command[]) => commands.map(commandId);
const roundTrip = (state: JobState) => JSON.parse(JSON.stringify(state)) as JobState;

/** Calls complete before any wait is due (a call takes 1 ms, a backoff seconds): the first non-wait, else the earliest wait. */
const callsFirst: Pick = (inFlight) => {
  const call = inFlight.findIndex((c) => c.type !== 'wait');
  if (call >= 0) return call;
  let best = 0;
  inFlight.forEach((c, i) => {
    if (c.type === 'wait' && c.until < (inFlight[best] as { until: number }).until) best = i;
  });
  return best;
};
/** The newest command completes first: iterations finish in reverse order of starting. */
const newestFirst: Pick = (inFlight) => inFlight.length - 1;

const loop = (concurrency: number | undefined, body: Step[], extra: Partial<Step> = {}): Recipe =>
  recipeOf([{ id: 'loop', forEach: '{{ trigger.items }}', ...(concurrency !== undefined ? { concurrency } : {}), steps: body, ...extra } as Step]);
const post: Step = { id: 'post', action: 'http.request', input: { v: '{{ item }}', i: '{{ index }}' } };

describe('forEach concurrency: lanes', () => {
  it.each([
    [3, 5, 3],
    [5, 2, 2],
    [100, 7, 7],
  ])('concurrency %d over %d items issues %d commands at once, each with its own iteration key', async (concurrency, count, issued) => {
    const recipe = loop(concurrency, [post]);
    const items = Array.from({ length: count }, (_, i) => `i${i}`);
    const first = await advance(recipe, start(recipe, { items }, 'job_p', { now: T0 }), { now: T0 });
    expect(first.commands).toHaveLength(issued);
    expect(first.command).toBe(first.commands[0]);
    expect(invokes(first.commands).map((c) => [c.stepKey, c.idempotencyKey, c.input])).toEqual(
      items.slice(0, issued).map((v, i) => [`post[${i}]`, `job_p:post[${i}]:0`, { v, i }]),
    );
    const log = await drive(recipe, { items }, () => ok());
    expect(log.peak).toBe(issued);
    expect(
      invokes(log.commands)
        .map((c) => c.stepKey)
        .sort(),
    ).toEqual(items.map((_, i) => `post[${i}]`).sort());
    expect(log.final.status).toBe('succeeded');
    expect(log.state.steps['loop']).toEqual({ count });
    expect(log.records.filter((r) => r.stepId === 'loop')).toEqual([{ stepId: 'loop', stepKey: 'loop', kind: 'forEach', status: 'succeeded', output: { count } }]);
    expect(log.state.stack).toEqual([]);
  });

  it('a result for lane 2 before lane 1 completes lane 2 alone and starts the next item in its place', async () => {
    const recipe = loop(2, [post, { id: 'note', set: { last: '{{ steps.post.echo }}' } }]);
    const state = start(recipe, { items: ['a', 'b', 'c'] }, 'job_o', { now: T0 });
    const first = await advance(recipe, state, { now: T0 });
    expect(keys(first.commands)).toEqual(['invoke:post[0]#1', 'invoke:post[1]#1']);
    const second = await advance(recipe, first.state, { now: T0 + 1, result: { ok: true, output: { echo: 'b' }, stepKey: 'post[1]', attempt: 1 } });
    expect(second.records.map((r) => `${r.stepKey}:${r.status}`)).toEqual(['post[1]:succeeded', 'note[1]:succeeded']);
    expect(second.state.vars).toEqual({ last: 'b' }); // the note of lane 1 read its own post's output
    expect(keys(second.commands)).toEqual(['invoke:post[0]#1', 'invoke:post[2]#1']);
    expect(second.commands[1]).toMatchObject({ input: { v: 'c', i: 2 }, idempotencyKey: 'job_o:post[2]:0' });
    // a result for a lane that is not pending (already done, or never started) is stale
    await expect(advance(recipe, second.state, { now: T0 + 2, result: { ok: true, stepKey: 'post[1]' } })).rejects.toBeInstanceOf(StaleResultError);
    await expect(advance(recipe, second.state, { now: T0 + 2, result: { ok: true, stepKey: 'post[9]' } })).rejects.toBeInstanceOf(StaleResultError);
    // with several commands pending, a result must say which one it answers
    await expect(advance(recipe, second.state, { now: T0 + 2, result: { ok: true } })).rejects.toThrow('must name its stepKey');
    const third = await advance(recipe, second.state, { now: T0 + 2, result: { ok: true, output: { echo: 'c' }, stepKey: 'post[2]' } });
    expect(keys(third.commands)).toEqual(['invoke:post[0]#1']);
    const done = await advance(recipe, third.state, { now: T0 + 3, result: { ok: true, output: { echo: 'a' }, stepKey: 'post[0]' } });
    expect(done.command).toEqual({ type: 'finish', status: 'succeeded' });
    expect(done.state.steps['post']).toEqual({ echo: 'a' }); // the latest completed iteration's
    expect(done.state.steps['loop']).toEqual({ count: 3 });
  });

  it('item, index and `as` are per lane; set writes vars in completion order', async () => {
    const recipe = recipeOf([
      { id: 'init', set: { seen: [] } },
      {
        id: 'loop',
        forEach: '{{ trigger.orders }}',
        as: 'order',
        concurrency: 3,
        steps: [
          { id: 'post', action: 'http.request', input: { id: '{{ order.id }}', pos: '{{ index }}', same: '{{ item.id = order.id }}' } },
          { id: 'sum', set: { seen: '{{ $append(vars.seen, order.id & "=" & steps.post.echo) }}' } },
        ],
      },
    ]);
    const log = await drive(recipe, { orders: [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }] }, (c) => ok({ echo: (c.input as { id: string }).id }), { pick: newestFirst });
    expect(invokes(log.commands).map((c) => [c.stepKey, c.input])).toEqual([
      ['post[0]', { id: 'a', pos: 0, same: true }],
      ['post[1]', { id: 'b', pos: 1, same: true }],
      ['post[2]', { id: 'c', pos: 2, same: true }],
      ['post[3]', { id: 'd', pos: 3, same: true }],
    ]);
    // newest first: c completes, d starts and completes, then b, then a
    expect(log.state.vars['seen']).toEqual(['c=c', 'd=d', 'b=b', 'a=a']);
    expect(log.state.steps['loop']).toEqual({ count: 4 });
  });

  it('a retry backoff in one lane does not hold the others back', async () => {
    const recipe = loop(3, [post]);
    let first429 = true;
    const log = await drive(
      recipe,
      { items: [0, 1, 2, 3, 4, 5] },
      (c) => {
        if (c.stepKey === 'post[1]' && first429) {
          first429 = false;
          return { ok: false, error: { kind: 'rate_limited', message: '429', retryAfterMs: 5_000 } };
        }
        return ok();
      },
      { now: T0, pick: callsFirst },
    );
    expect(log.final.status).toBe('succeeded');
    const ids = keys(log.commands);
    const waitAt = ids.findIndex((id) => id.startsWith('wait:post[1]'));
    const retryAt = ids.indexOf('invoke:post[1]#2');
    expect(waitAt).toBeGreaterThan(0);
    // every other item was started while lane 1 waited out its Retry-After
    for (const i of [2, 3, 4, 5]) {
      expect(ids.indexOf(`invoke:post[${i}]#1`)).toBeGreaterThan(-1);
      expect(ids.indexOf(`invoke:post[${i}]#1`)).toBeLessThan(retryAt);
    }
    expect(log.records.filter((r) => r.stepKey === 'post[1]').map((r) => `${r.status}@${r.attempt}`)).toEqual(['retrying@1', 'succeeded@2']);
    expect(
      new Set(
        invokes(log.commands)
          .filter((c) => c.stepKey === 'post[1]')
          .map((c) => c.idempotencyKey),
      ),
    ).toEqual(new Set(['job_1:post[1]:0']));
    expect(log.now - T0).toBeLessThan(5_000 + 20); // the backoff overlapped the other calls
  });

  it('a lane failing inside try runs the catch once; the other lanes are abandoned and their results refused', async () => {
    const recipe = recipeOf([
      {
        id: 'guard',
        try: [{ id: 'loop', forEach: '{{ trigger.items }}', concurrency: 3, steps: [post, { id: 'after', set: { n: '{{ $count(vars.n) + 1 }}' } }] }],
        catch: [{ id: 'note', set: { failedAt: '{{ steps.guard.error.stepKey }}', why: '{{ steps.guard.error.message }}' } }],
      },
      { id: 'end', action: 'x.done', input: {} },
    ]);
    const trigger = { items: [0, 1, 2, 3, 4, 5, 6, 7] };
    const perform = (c: { stepKey: string }): StepResult => (c.stepKey === 'post[2]' ? { ok: false, error: { kind: 'fatal', message: '400 Bad Request' } } : ok());
    const log = await drive(recipe, trigger, perform);
    // FIFO: 0 done → 3 starts, 1 done → 4 starts, 2 fails: 3 and 4 are dropped unanswered, 5… never start
    expect(invokes(log.commands).map((c) => c.stepKey)).toEqual(['post[0]', 'post[1]', 'post[2]', 'post[3]', 'post[4]', 'end']);
    expect(log.state.vars).toEqual({ n: 2, failedAt: 'post[2]', why: '400 Bad Request' });
    expect(log.records.filter((r) => r.stepId === 'note')).toHaveLength(1);
    expect(log.final.status).toBe('succeeded');
    expect(log.state.stack).toEqual([]);

    // step by step: once lane 2 failed, a late result of lane 0 is stale
    const first = await advance(recipe, start(recipe, trigger, 'job_f', { now: T0 }), { now: T0 });
    const failed = await advance(recipe, first.state, { now: T0, result: { ...perform({ stepKey: 'post[2]' }), stepKey: 'post[2]' } });
    expect(keys(failed.commands)).toEqual(['invoke:end#1']);
    await expect(advance(recipe, failed.state, { now: T0, result: { ok: true, stepKey: 'post[0]' } })).rejects.toBeInstanceOf(StaleResultError);
  });

  it('a lane failing outside any try fails the job; a rerun runs only the unfinished iterations under the new group', async () => {
    const recipe = loop(2, [post]);
    const trigger = { items: ['a', 'b', 'c', 'd', 'e'] };
    const failing = await drive(recipe, trigger, (c) => (c.stepKey === 'post[2]' ? { ok: false, error: { kind: 'fatal', message: 'no' } } : ok()));
    expect(failing.final).toMatchObject({ status: 'failed', error: { stepKey: 'post[2]', kind: 'fatal' } });
    // FIFO: 0 done → 2 starts, 1 done → 3 starts, 2 fails while 3 is in flight
    expect(invokes(failing.commands).map((c) => c.stepKey)).toEqual(['post[0]', 'post[1]', 'post[2]', 'post[3]']);
    const again = rerun(recipe, roundTrip(failing.state), { now: T0 });
    const fixed = await drive(recipe, trigger, () => ok(), { state: again });
    expect(invokes(fixed.commands).map((c) => c.idempotencyKey)).toEqual(['job_1:post[2]:1', 'job_1:post[3]:1', 'job_1:post[4]:1']);
    expect(fixed.final.status).toBe('succeeded');
    expect(fixed.state.steps['loop']).toEqual({ count: 5 });
  });

  it('a re-drive from a JSON round-tripped state re-issues exactly the in-flight commands with the same keys', async () => {
    const recipe = loop(3, [post, { id: 'nap', delay: '1m' }]);
    const state = start(recipe, { items: ['a', 'b', 'c', 'd'] }, 'job_r', { now: T0 });
    const first = await advance(recipe, state, { now: T0 });
    const oneRetrying = await advance(recipe, first.state, { now: T0 + 1, result: { ok: false, error: { kind: 'retryable', message: '503' }, stepKey: 'post[0]', attempt: 1 } });
    const oneNapping = await advance(recipe, oneRetrying.state, { now: T0 + 2, result: { ok: true, stepKey: 'post[1]', attempt: 1 } });
    expect(oneNapping.commands.map((c) => [c.type, 'stepKey' in c ? c.stepKey : ''])).toEqual([
      ['wait', 'post[0]'],
      ['wait', 'nap[1]'],
      ['invoke', 'post[2]'],
    ]);
    // the worker dies; another one continues from the checkpoint without a result
    const redriven = await advance(recipe, roundTrip(oneNapping.state), { now: T0 + 3 });
    expect(redriven.commands).toEqual(oneNapping.commands);
    expect(redriven.records).toEqual([]);
    expect(roundTrip(redriven.state)).toEqual(roundTrip(oneNapping.state));
    // and once the waits are due it moves every waiting lane on at once
    const later = await advance(recipe, roundTrip(oneNapping.state), { now: T0 + 120_000 });
    expect(keys(later.commands)).toEqual(['invoke:post[0]#2', 'invoke:post[2]#1', 'invoke:post[3]#1']);
    expect((later.commands[0] as Invoke).idempotencyKey).toBe('job_r:post[0]:0');

    // a whole run through JSON checkpoints is the same as one in memory
    const perform = (c: { stepKey: string; attempt: number }): StepResult =>
      c.stepKey === 'post[1]' && c.attempt === 1 ? { ok: false, error: { kind: 'retryable', message: 'x' } } : ok({ k: c.stepKey });
    const memory = await drive(recipe, { items: ['a', 'b', 'c', 'd', 'e'] }, perform, { pick: callsFirst });
    const restored = await drive(recipe, { items: ['a', 'b', 'c', 'd', 'e'] }, perform, { pick: callsFirst, roundTrip: true });
    expect(restored.commands).toEqual(memory.commands);
    expect(restored.records).toEqual(memory.records);
    expect(memory.final.status).toBe('succeeded');
  });

  it('advance never modifies the state it is given, lanes included', async () => {
    const recipe = loop(2, [post]);
    const first = await advance(recipe, start(recipe, { items: [1, 2, 3] }, 'job_i', { now: T0 }), { now: T0 });
    const before = JSON.stringify(first.state);
    await advance(recipe, first.state, { now: T0, result: { ok: true, stepKey: 'post[1]' } });
    await advance(recipe, first.state, { now: T0, result: { ok: false, error: { kind: 'retryable', message: 'x' }, stepKey: 'post[0]' } });
    expect(JSON.stringify(first.state)).toBe(before);
  });

  it('concurrency 1 behaves exactly like no concurrency', async () => {
    const body: Step[] = [
      { id: 'check', if: '{{ item % 2 = 0 }}', then: [post], else: [{ id: 'odd', set: { last: '{{ item }}' } }] },
      { id: 'nap', delay: '1m' },
    ];
    let n = 0;
    const perform = (c: { attempt: number }): StepResult => (++n % 3 === 0 && c.attempt === 1 ? { ok: false, error: { kind: 'retryable', message: 'flaky' } } : ok({ n }));
    const trigger = { items: [1, 2, 3, 4, 5, 6] };
    n = 0;
    const plain = await drive(loop(undefined, body), trigger, perform, { roundTrip: true });
    n = 0;
    const one = await drive(loop(1, body), trigger, perform, { roundTrip: true });
    expect(one.commands).toEqual(plain.commands);
    expect(one.records).toEqual(plain.records);
    expect(one.state).toEqual(plain.state);
    expect(one.peak).toBe(1);
  });

  it('nested forEach: parallel inside parallel, and sequential inside a lane, key every index', async () => {
    const cell: Step = { id: 'cell', action: 'x.y', input: { v: '{{ item }}', row: '{{ row }}' } };
    const grid = [[1, 2, 3], [4], [5, 6]];
    const nested = (inner: number | undefined) =>
      recipeOf([
        {
          id: 'rows',
          forEach: '{{ trigger.grid }}',
          as: 'row',
          concurrency: 2,
          steps: [{ id: 'cells', forEach: '{{ row }}', ...(inner ? { concurrency: inner } : {}), steps: [cell] }],
        },
      ]);
    const both = await drive(nested(2), { grid }, () => ok(), { pick: newestFirst });
    const first = await advance(nested(2), start(nested(2), { grid }, 'job_n', { now: T0 }), { now: T0 });
    expect(keys(first.commands)).toEqual(['invoke:cell[0][0]#1', 'invoke:cell[0][1]#1', 'invoke:cell[1][0]#1']);
    expect(first.commands[2]).toMatchObject({ input: { v: 4, row: [4] } });
    expect(both.peak).toBe(4);
    const expected = ['cell[0][0]', 'cell[0][1]', 'cell[0][2]', 'cell[1][0]', 'cell[2][0]', 'cell[2][1]'];
    expect(
      invokes(both.commands)
        .map((c) => c.stepKey)
        .sort(),
    ).toEqual(expected);
    expect(both.records.filter((r) => r.stepId === 'cells').map((r) => [r.stepKey, r.output])).toEqual(
      expect.arrayContaining([
        ['cells[0]', { count: 3 }],
        ['cells[1]', { count: 1 }],
        ['cells[2]', { count: 2 }],
      ]),
    );
    expect(both.final.status).toBe('succeeded');

    const outerOnly = await drive(nested(undefined), { grid }, () => ok(), { roundTrip: true });
    expect(outerOnly.peak).toBe(2);
    expect(
      invokes(outerOnly.commands)
        .map((c) => c.stepKey)
        .sort(),
    ).toEqual(expected);
    expect(outerOnly.state.steps['rows']).toEqual({ count: 3 });
  });

  it('a job past its timeout fails even with lanes in flight', async () => {
    const recipe = recipeOf([{ id: 'loop', forEach: [1, 2, 3], concurrency: 3, steps: [post] }], { timeout: '1m' });
    const first = await advance(recipe, start(recipe, {}, 'job_t', { now: T0 }), { now: T0 });
    expect(first.commands).toHaveLength(3);
    const late = await advance(recipe, first.state, { now: T0 + 60_000, result: { ok: true, stepKey: 'post[1]' } });
    expect(late.records.map((r) => r.stepKey)).toEqual(['post[1]']);
    expect(late.commands).toEqual([expect.objectContaining({ type: 'finish', status: 'failed', error: expect.objectContaining({ kind: 'timeout', stepKey: 'post[1]' }) })]);
  });
});

describe('forEach concurrency: validation', () => {
  it.each([
    ['respond', { id: 'r', respond: { status: 200 } }],
    ['callRecipe', { id: 'c', callRecipe: { recipe: 'rcp_2', input: {} } }],
  ])('refuses %s inside a forEach with concurrency > 1, at any depth, and allows it with concurrency 1', (kind, step) => {
    const nested = { id: 'g', try: [step] };
    const refused = validateRecipe(aRecipe({ steps: [{ id: 'loop', forEach: [1], concurrency: 2, steps: [nested] }] }));
    expect(refused).toEqual({ ok: false, errors: [{ path: `/steps/0/steps/0/try/0/${kind}`, message: 'is not allowed inside a forEach with concurrency > 1' }] });
    expect(validateRecipe(aRecipe({ steps: [{ id: 'loop', forEach: [1], concurrency: 1, steps: [nested] }] })).ok).toBe(true);
    expect(validateRecipe(aRecipe({ steps: [{ id: 'loop', forEach: [1], concurrency: 2, steps: [] }, step] })).ok).toBe(true);
  });
});
