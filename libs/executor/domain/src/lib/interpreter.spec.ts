import type { Recipe, Step } from '@junction/executor/contracts';

import { advance, MAX_FOREACH_ITEMS } from './interpreter';
import { cancel, rerun, start } from './job-lifecycle';
import { type Command, type JobState, StaleResultError, type StepResult } from './job-state';
import { drive } from './test-driver';
import { T0, invokes, ok, recipeOf } from './spec-kit';

describe('interpreter: step kinds', () => {
  it('set then action: vars reach the resolved input, the output is stored, the job succeeds', async () => {
    const recipe = recipeOf([
      { id: 'map', set: { name: '{{ trigger.body.user.name }}', count: '{{ trigger.body.count }}' } },
      {
        id: 'post',
        action: 'http.request',
        connection: 'conn_1',
        timeout: '10s',
        input: { method: 'POST', url: 'https://x.test/u/{{ vars.name }}', body: { n: '{{ vars.count }}', label: 'n={{ vars.count }}' } },
      },
      { id: 'after', set: { status: '{{ steps.post.status }}' } },
    ]);
    const log = await drive(recipe, { body: { user: { name: 'ann' }, count: 3 } }, () => ok({ status: 201 }));
    const [call] = invokes(log.commands);
    expect(call).toEqual({
      type: 'invoke',
      stepId: 'post',
      stepKey: 'post',
      action: 'http.request',
      connection: 'conn_1',
      timeoutMs: 10_000,
      // a lone {{ }} keeps the number type; a mixed string stringifies
      input: { method: 'POST', url: 'https://x.test/u/ann', body: { n: 3, label: 'n=3' } },
      attempt: 1,
      maxAttempts: 5,
      idempotencyKey: 'job_1:post:0',
    });
    expect(log.final).toEqual({ type: 'finish', status: 'succeeded' });
    expect(log.state.vars).toEqual({ name: 'ann', count: 3, status: 201 });
    expect(log.records.map((r) => `${r.stepKey}:${r.status}`)).toEqual(['map:succeeded', 'post:succeeded', 'after:succeeded']);
  });

  it.each([
    [true, 'then'],
    [[], 'else'],
    [[0, 1], 'then'],
    [{}, 'else'],
    ['', 'else'],
  ])('if over %j takes %s (JSONata truthiness)', async (flag, branch) => {
    const recipe = recipeOf([{ id: 'check', if: '{{ trigger.flag }}', then: [{ id: 'yes', set: { took: 'then' } }], else: [{ id: 'no', set: { took: 'else' } }] }]);
    const log = await drive(recipe, { flag }, () => ok());
    expect(log.state.vars['took']).toBe(branch);
    expect(log.state.steps['check']).toEqual({ branch });
  });

  it('if without else and a false condition moves on', async () => {
    const recipe = recipeOf([
      { id: 'check', if: false, then: [{ id: 'yes', set: { a: 1 } }] },
      { id: 'end', set: { b: 2 } },
    ]);
    const log = await drive(recipe, {}, () => ok());
    expect(log.state.vars).toEqual({ b: 2 });
  });

  it('forEach runs its body per item with item, index and the `as` name, and keys each iteration', async () => {
    const recipe = recipeOf([
      { id: 'init', set: { total: 0 } },
      {
        id: 'loop',
        forEach: '{{ trigger.orders }}',
        as: 'order',
        steps: [
          { id: 'post', action: 'http.request', input: { id: '{{ order.id }}', pos: '{{ index }}', same: '{{ item.id = order.id }}' } },
          { id: 'sum', set: { total: '{{ vars.total + order.amount }}' } },
        ],
      },
    ]);
    const log = await drive(
      recipe,
      {
        orders: [
          { id: 'a', amount: 2 },
          { id: 'b', amount: 3 },
          { id: 'c', amount: 5 },
        ],
      },
      () => ok(),
    );
    const calls = invokes(log.commands);
    expect(calls.map((c) => [c.stepKey, c.idempotencyKey, c.input])).toEqual([
      ['post[0]', 'job_1:post[0]:0', { id: 'a', pos: 0, same: true }],
      ['post[1]', 'job_1:post[1]:0', { id: 'b', pos: 1, same: true }],
      ['post[2]', 'job_1:post[2]:0', { id: 'c', pos: 2, same: true }],
    ]);
    expect(log.state.vars['total']).toBe(10); // 0 + 2 + 3 + 5
    expect(log.state.steps['loop']).toEqual({ count: 3 });
    expect(log.state.stack).toEqual([]);
  });

  it('forEach over nothing skips the body; a single value is a list of one', async () => {
    const recipe = recipeOf([{ id: 'loop', forEach: '{{ trigger.items }}', steps: [{ id: 'post', action: 'http.request', input: { v: '{{ item }}' } }] }]);
    expect(invokes((await drive(recipe, {}, () => ok())).commands)).toHaveLength(0);
    expect(invokes((await drive(recipe, { items: [] }, () => ok())).commands)).toHaveLength(0);
    expect(invokes((await drive(recipe, { items: 'one' }, () => ok())).commands).map((c) => c.input)).toEqual([{ v: 'one' }]);
  });

  it('forEach over too many items fails the step instead of bloating every checkpoint', async () => {
    const recipe = recipeOf([{ id: 'loop', forEach: '{{ trigger.items }}', steps: [{ id: 'x', set: { a: 1 } }] }]);
    const log = await drive(recipe, { items: new Array(MAX_FOREACH_ITEMS + 1).fill(0) }, () => ok());
    expect(log.final.status).toBe('failed');
    expect(log.final.error).toMatchObject({ stepId: 'loop', kind: 'invalid' });
  });

  it('nested forEach keys carry every iteration index', async () => {
    const recipe = recipeOf([
      { id: 'rows', forEach: [[1, 2], [3]], steps: [{ id: 'cells', forEach: '{{ item }}', steps: [{ id: 'cell', action: 'x.y', input: { v: '{{ item }}' } }] }] },
    ]);
    const log = await drive(recipe, {}, () => ok());
    expect(invokes(log.commands).map((c) => `${c.stepKey}=${JSON.stringify(c.input)}`)).toEqual(['cell[0][0]={"v":1}', 'cell[0][1]={"v":2}', 'cell[1][0]={"v":3}']);
  });

  it('delay waits until now + duration, re-issues the wait before it is due, then continues', async () => {
    const recipe = recipeOf([
      { id: 'pause', delay: '15m' },
      { id: 'end', set: { done: true } },
    ]);
    const state = start(recipe, {}, 'job_d', { now: T0 });
    const first = await advance(recipe, state, { now: T0 });
    expect(first.command).toEqual({ type: 'wait', until: T0 + 15 * 60_000, reason: 'delay', stepId: 'pause', stepKey: 'pause' });
    const early = await advance(recipe, first.state, { now: T0 + 60_000 });
    expect(early.command).toEqual(first.command);
    const due = await advance(recipe, early.state, { now: T0 + 15 * 60_000 });
    expect(due.command).toEqual({ type: 'finish', status: 'succeeded' });
    expect(due.state.steps['pause']).toEqual({ until: T0 + 15 * 60_000 });
  });

  it.each([
    [{ until: '{{ trigger.at }}' }, { at: new Date(T0 + 5_000).toISOString() }, T0 + 5_000],
    [{ until: '{{ trigger.at }}' }, { at: T0 + 7_000 }, T0 + 7_000],
    [{ duration: '{{ trigger.d }}' }, { d: '2h' }, T0 + 7_200_000],
    ['{{ trigger.d }}', { d: 1500 }, T0 + 1_500],
  ])('delay %j with %j waits until %d', async (delay, trigger, until) => {
    const recipe = recipeOf([{ id: 'pause', delay } as Step]);
    const first = await advance(recipe, start(recipe, trigger, 'j', { now: T0 }), { now: T0 });
    expect(first.command).toMatchObject({ type: 'wait', until });
  });

  it('delay until a past time does not wait; an unusable delay fails the step', async () => {
    const past = recipeOf([{ id: 'pause', delay: { until: '{{ trigger.at }}' } }]);
    expect((await drive(past, { at: new Date(T0 - 1).toISOString() }, () => ok())).commands).toEqual([{ type: 'finish', status: 'succeeded' }]);
    const bad = recipeOf([{ id: 'pause', delay: '{{ trigger.d }}' }]);
    const log = await drive(bad, { d: 'soon' }, () => ok());
    expect(log.final.error).toMatchObject({ stepId: 'pause', kind: 'invalid', message: 'delay "soon" is not a duration such as "15m"' });
  });

  it('callRecipe issues a call command and its output is readable afterwards', async () => {
    const recipe = recipeOf([
      { id: 'child', callRecipe: { recipe: 'rcp_2', input: { id: '{{ trigger.id }}' }, wait: false } },
      { id: 'use', set: { childJob: '{{ steps.child.jobId }}' } },
    ]);
    const log = await drive(recipe, { id: 7 }, () => ok({ jobId: 'job_child' }));
    expect(log.commands[0]).toEqual({
      type: 'call',
      stepId: 'child',
      stepKey: 'child',
      recipeId: 'rcp_2',
      input: { id: 7 },
      wait: false,
      attempt: 1,
      idempotencyKey: 'job_1:child:0',
    });
    expect(log.state.vars['childJob']).toBe('job_child');
  });

  it('respond replies and the job goes on; re-driving before the ack re-issues the reply', async () => {
    const recipe = recipeOf([
      { id: 'reply', respond: { status: '{{ trigger.code }}', headers: { 'x-id': '{{ trigger.id }}' }, body: { received: '{{ trigger.id }}' } } },
      { id: 'post', action: 'http.request', input: {} },
    ]);
    const state = start(recipe, { id: 42, code: 202 }, 'job_r', { now: T0 });
    const first = await advance(recipe, state, { now: T0 });
    expect(first.command).toEqual({ type: 'respond', stepId: 'reply', stepKey: 'reply', status: 202, headers: { 'x-id': '42' }, body: { received: 42 } });
    expect((await advance(recipe, first.state, { now: T0 })).command).toEqual(first.command);
    const next = await advance(recipe, first.state, { now: T0, result: { ok: true } });
    expect(next.command).toMatchObject({ type: 'invoke', stepId: 'post' });
  });

  it('respond with a status that is not HTTP fails the step', async () => {
    const recipe = recipeOf([{ id: 'reply', respond: { status: '{{ trigger.code }}' } }]);
    const log = await drive(recipe, { code: 'teapot' }, () => ok());
    expect(log.final.error).toMatchObject({ stepId: 'reply', kind: 'invalid' });
  });

  it('stop ends the job as stopped with its reason; stop failed ends it failed', async () => {
    const stopped = recipeOf([
      { id: 'halt', stop: { reason: 'nothing to do for {{ trigger.id }}' } },
      { id: 'never', action: 'x.y', input: {} },
    ]);
    const log = await drive(stopped, { id: 'a1' }, () => ok());
    expect(log.final).toEqual({ type: 'finish', status: 'stopped', reason: 'nothing to do for a1' });
    expect(invokes(log.commands)).toHaveLength(0);

    const failed = recipeOf([{ id: 'guard', try: [{ id: 'halt', stop: { reason: 'bad input', failed: true } }], catch: [{ id: 'c', set: { caught: true } }] }]);
    const flog = await drive(failed, {}, () => ok());
    // an explicit failing stop is not an error a try can swallow
    expect(flog.final).toMatchObject({ status: 'failed', error: { stepId: 'halt', kind: 'stopped', message: 'bad input' } });
    expect(flog.state.vars).toEqual({});
  });

  it('stop: true finishes as stopped without a reason', async () => {
    const log = await drive(recipeOf([{ id: 'halt', stop: true }]), {}, () => ok());
    expect(log.final).toEqual({ type: 'finish', status: 'stopped' });
  });
});

describe('interpreter: try/catch and nesting', () => {
  it('a failure inside if inside forEach inside try abandons the loop and runs catch with the error', async () => {
    const recipe = recipeOf([
      {
        id: 'guard',
        try: [
          {
            id: 'loop',
            forEach: '{{ trigger.items }}',
            steps: [{ id: 'check', if: '{{ item > 1 }}', then: [{ id: 'post', action: 'http.request', input: { v: '{{ item }}' } }] }],
          },
        ],
        catch: [{ id: 'note', set: { failedAt: '{{ steps.guard.error.stepKey }}', why: '{{ steps.guard.error.message }}' } }],
      },
      { id: 'end', set: { done: true } },
    ]);
    const log = await drive(recipe, { items: [1, 2, 3, 4] }, (c) =>
      (c.input as { v: number }).v === 3 ? { ok: false, error: { kind: 'fatal', message: '400 Bad Request' } } : ok(),
    );
    expect(invokes(log.commands).map((c) => c.stepKey)).toEqual(['post[1]', 'post[2]']); // item 1 skipped by the if, item 4 never reached
    expect(log.state.vars).toEqual({ failedAt: 'post[2]', why: '400 Bad Request', done: true });
    expect(log.state.steps['guard']).toMatchObject({ failed: true, error: { stepId: 'post', kind: 'fatal' } });
    expect(log.final.status).toBe('succeeded');
  });

  it('try that succeeds skips catch; try without catch swallows the error', async () => {
    const recipe = recipeOf([
      { id: 'a', try: [{ id: 'fine', set: { x: 1 } }], catch: [{ id: 'never', set: { caught: true } }] },
      { id: 'b', try: [{ id: 'boom', action: 'x.y', input: {} }] },
    ]);
    const log = await drive(recipe, {}, () => ({ ok: false, error: { kind: 'fatal', message: 'no' } }));
    expect(log.state.vars).toEqual({ x: 1 });
    expect(log.state.steps['a']).toEqual({ failed: false });
    expect(log.state.steps['b']).toMatchObject({ failed: true });
    expect(log.final.status).toBe('succeeded');
  });

  it('a failure inside catch goes to the outer try', async () => {
    const recipe = recipeOf([
      {
        id: 'outer',
        try: [{ id: 'inner', try: [{ id: 'one', action: 'x.y', input: {} }], catch: [{ id: 'two', action: 'x.y', input: {} }] }],
        catch: [{ id: 'report', set: { outerSaw: '{{ steps.outer.error.stepId }}' } }],
      },
    ]);
    const log = await drive(recipe, {}, () => ({ ok: false, error: { kind: 'fatal', message: 'no' } }));
    expect(log.state.vars).toEqual({ outerSaw: 'two' });
  });

  it('a failure outside any try fails the job with the step error, its response details kept', async () => {
    const recipe = recipeOf([{ id: 'post', action: 'http.request', input: {} }]);
    const details = { status: 400, body: { error: 'missing field' } };
    const log = await drive(recipe, {}, () => ({ ok: false, error: { kind: 'fatal', message: 'HTTP 400', details } }));
    expect(log.final).toEqual({ type: 'finish', status: 'failed', error: { stepId: 'post', stepKey: 'post', kind: 'fatal', message: 'HTTP 400', attempt: 1, details } });
    expect(invokes(log.commands)).toHaveLength(1);
  });
});

describe('interpreter: expression errors', () => {
  it('a runtime error names the step and the expression and fails the job', async () => {
    const recipe = recipeOf([{ id: 'map', set: { n: '{{ $number(trigger.v) }}' } }]);
    const log = await drive(recipe, { v: 'abc' }, () => ok());
    expect(log.final.status).toBe('failed');
    expect(log.final.error?.kind).toBe('expression');
    expect(log.final.error?.message).toContain('step "map"');
    expect(log.final.error?.message).toContain('{{ $number(trigger.v) }}');
    expect(log.final.error?.message).toContain('/steps/0/set/n');
  });

  it('an expression error inside try is caught like any failed step', async () => {
    const recipe = recipeOf([{ id: 'guard', try: [{ id: 'map', set: { n: '{{ $number(trigger.v) }}' } }], catch: [{ id: 'fallback', set: { n: 0 } }] }]);
    const log = await drive(recipe, { v: 'abc' }, () => ok());
    expect(log.final.status).toBe('succeeded');
    expect(log.state.vars).toEqual({ n: 0 });
  });

  it('$now() and $millis() read the job clock given to advance', async () => {
    const recipe = recipeOf([{ id: 't', set: { iso: '{{ $now() }}', ms: '{{ $millis() }}', day: "{{ $now('[Y0001]-[M01]-[D01]') }}" } }]);
    const now = Date.UTC(2030, 0, 2, 3, 4, 5);
    const log = await drive(recipe, {}, () => ok(), { now });
    expect(log.state.vars).toEqual({ iso: '2030-01-02T03:04:05.000Z', ms: now, day: '2030-01-02' });
  });
});

describe('interpreter: retries', () => {
  const post = (retry?: Extract<Step, { action: string }>['retry']): Recipe => recipeOf([{ id: 'post', action: 'http.request', input: {}, ...(retry ? { retry } : {}) }]);

  it('429 with Retry-After twice then 200: succeeds on attempt 3 after at least 2 s, same idempotency key', async () => {
    let calls = 0;
    const log = await drive(post(), {}, () => (++calls <= 2 ? { ok: false, error: { kind: 'rate_limited', message: '429', retryAfterMs: 1_000 } } : ok({ status: 200 })), {
      now: T0,
    });
    const attempts = invokes(log.commands);
    expect(attempts.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(new Set(attempts.map((c) => c.idempotencyKey))).toEqual(new Set(['job_1:post:0']));
    const waits = log.commands.filter((c) => c.type === 'wait');
    expect(waits).toHaveLength(2);
    expect(log.now - T0).toBeGreaterThanOrEqual(2_000 + 2); // two Retry-After waits + 1 ms per fake call
    expect(log.final.status).toBe('succeeded');
    expect(log.records.map((r) => `${r.status}@${r.attempt}`)).toEqual(['retrying@1', 'retrying@2', 'succeeded@3']);
  });

  it('retryable errors back off with full jitter under the exponential ceiling, then give up', async () => {
    const recipe = post({ maxAttempts: 4, backoff: { initial: '1s', max: '3s', factor: 2 } });
    const log = await drive(recipe, {}, () => ({ ok: false, error: { kind: 'retryable', message: '503' } }), { now: T0 });
    expect(invokes(log.commands)).toHaveLength(4);
    const waits = log.commands.filter((c): c is Extract<Command, { type: 'wait' }> => c.type === 'wait');
    // ceilings: 1s, 2s, then min(3s, 4s) = 3s; each wait starts 1 ms after the failed call
    const ceilings = [1_000, 2_000, 3_000];
    let now = T0;
    waits.forEach((w, i) => {
      now += 1;
      expect(w.until - now).toBeGreaterThanOrEqual(0);
      expect(w.until - now).toBeLessThan(ceilings[i]);
      now = w.until;
    });
    expect(log.final.error).toMatchObject({ kind: 'retryable', attempt: 4, message: '503 (gave up after 4 attempts)' });
  });

  it('jitter is deterministic per job (a replayed checkpoint waits the same) and differs between jobs', async () => {
    const fail = (): StepResult => ({ ok: false, error: { kind: 'retryable', message: 'x' } });
    const untils = async (jobId: string) =>
      (await drive(post(), {}, fail, { jobId, now: T0 })).commands.filter((c) => c.type === 'wait').map((c) => (c as { until: number }).until);
    expect(await untils('job_a')).toEqual(await untils('job_a'));
    expect(await untils('job_a')).not.toEqual(await untils('job_b'));
  });

  it.each(['fatal', 'auth'] as const)('%s fails at once', async (kind) => {
    const log = await drive(post(), {}, () => ({ ok: false, error: { kind, message: kind } }));
    expect(invokes(log.commands)).toHaveLength(1);
    expect(log.final.error?.kind).toBe(kind);
  });

  it('an open circuit defers the step without spending an attempt', async () => {
    let calls = 0;
    const log = await drive(post({ maxAttempts: 1 }), {}, () => (++calls <= 3 ? { ok: false, error: { kind: 'circuit_open', message: 'open', retryAfterMs: 5_000 } } : ok()), {
      now: T0,
    });
    expect(invokes(log.commands).map((c) => c.attempt)).toEqual([1, 1, 1, 1]);
    expect(log.commands.filter((c) => c.type === 'wait').map((c) => (c as { reason: string }).reason)).toEqual(['deferred', 'deferred', 'deferred']);
    expect(log.final.status).toBe('succeeded');
  });

  it('maxAttempts 1 never retries', async () => {
    const log = await drive(post({ maxAttempts: 1 }), {}, () => ({ ok: false, error: { kind: 'retryable', message: 'timeout' } }));
    expect(invokes(log.commands)).toHaveLength(1);
    expect(log.final.status).toBe('failed');
  });
});

describe('interpreter: durability', () => {
  const complex = recipeOf([
    { id: 'map', set: { who: '{{ trigger.user }}', tags: '{{ trigger.tags.$uppercase($) }}' } },
    { id: 'reply', respond: { status: 202, body: { ok: true } } },
    {
      id: 'guard',
      try: [
        {
          id: 'loop',
          forEach: '{{ trigger.items }}',
          as: 'it',
          steps: [
            {
              id: 'check',
              if: '{{ it.n % 2 = 0 }}',
              then: [{ id: 'even', action: 'http.request', input: { n: '{{ it.n }}', tags: '{{ vars.tags }}' } }],
              else: [{ id: 'odd', set: { last: '{{ it.n }}' } }],
            },
            { id: 'nap', delay: '1m' },
          ],
        },
        { id: 'boom', action: 'http.request', input: { who: '{{ vars.who }}' } },
      ],
      catch: [{ id: 'recover', set: { err: '{{ steps.guard.error.message }}' } }],
    },
    { id: 'child', callRecipe: { recipe: 'rcp_x', input: '{{ vars }}' } },
  ]);
  const trigger = { user: 'ann', tags: ['a', 'b'], items: [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }] };
  let n = 0;
  const perform = (c: { stepId: string; attempt: number }): StepResult => {
    n++;
    if (c.stepId === 'even' && c.attempt === 1 && n % 3 === 0) return { ok: false, error: { kind: 'retryable', message: 'flaky' } };
    if (c.stepId === 'boom') return { ok: false, error: { kind: 'fatal', message: 'nope' } };
    return ok({ n });
  };

  it('continuing from a JSON round-tripped state gives exactly what continuing in memory gives', async () => {
    n = 0;
    const memory = await drive(complex, trigger, perform);
    n = 0;
    const restored = await drive(complex, trigger, perform, { roundTrip: true });
    expect(restored.commands).toEqual(memory.commands);
    expect(restored.records).toEqual(memory.records);
    expect(restored.state).toEqual(JSON.parse(JSON.stringify(memory.state)));
    expect(memory.final.status).toBe('succeeded');
    expect(memory.state.vars['err']).toBe('nope');
  });

  it('advance never modifies the state it is given', async () => {
    const state = start(complex, trigger, 'job_p', { now: T0 });
    const before = JSON.stringify(state);
    const a = await advance(complex, state, { now: T0 });
    await advance(complex, a.state, { now: T0, result: { ok: true } });
    expect(JSON.stringify(state)).toBe(before);
    expect(JSON.stringify(a.state)).toBe(JSON.stringify(a.state));
  });

  it('a re-drive without a result re-issues the same invoke (same input and idempotency key)', async () => {
    const recipe = recipeOf([{ id: 'post', action: 'http.request', input: { at: '{{ $millis() }}' } }]);
    const first = await advance(recipe, start(recipe, {}, 'job_c', { now: T0 }), { now: T0 });
    const again = await advance(recipe, JSON.parse(JSON.stringify(first.state)) as JobState, { now: T0 + 60_000 });
    expect(again.command).toEqual(first.command); // input resolved once: $millis() is not re-read
  });

  it('a late result of another attempt is refused', async () => {
    const recipe = recipeOf([{ id: 'post', action: 'http.request', input: {} }]);
    const first = await advance(recipe, start(recipe, {}, 'job_s', { now: T0 }), { now: T0 });
    const failed = await advance(recipe, first.state, { now: T0, result: { ok: false, error: { kind: 'retryable', message: 'x' }, attempt: 1 } });
    const second = await advance(recipe, failed.state, { now: T0 + 120_000 });
    expect(second.command).toMatchObject({ type: 'invoke', attempt: 2 });
    await expect(advance(recipe, second.state, { now: T0 + 120_001, result: { ok: true, attempt: 1 } })).rejects.toBeInstanceOf(StaleResultError);
    const done = await advance(recipe, second.state, { now: T0 + 120_001, result: { ok: true, attempt: 2 } });
    expect(done.command).toEqual({ type: 'finish', status: 'succeeded' });
  });

  it('rerun continues from the failed step with a new attempt group; completed steps are not run again', async () => {
    const recipe = recipeOf([
      { id: 'first', action: 'a.one', input: {} },
      { id: 'second', action: 'a.two', input: { prev: '{{ steps.first.v }}' } },
    ]);
    const failedRun = await drive(recipe, {}, (c) => (c.stepId === 'second' ? { ok: false, error: { kind: 'fatal', message: 'bad connection' } } : ok({ v: 1 })));
    expect(failedRun.final.status).toBe('failed');
    const again = rerun(recipe, JSON.parse(JSON.stringify(failedRun.state)) as JobState, { now: T0 });
    const fixed = await drive(recipe, {}, () => ok({ v: 2 }), { state: again });
    expect(invokes(fixed.commands).map((c) => [c.stepId, c.idempotencyKey, c.input])).toEqual([['second', 'job_1:second:1', { prev: 1 }]]);
    expect(fixed.final.status).toBe('succeeded');
    expect(() => rerun(recipe, fixed.state, { now: T0 })).toThrow('only a failed job');
  });

  it('a job past its settings.timeout fails with a timeout; terminal states stay as they are', async () => {
    const recipe = recipeOf([{ id: 'pause', delay: '2h' }], { timeout: '1h' });
    const first = await advance(recipe, start(recipe, {}, 'job_t', { now: T0 }), { now: T0 });
    const late = await advance(recipe, first.state, { now: T0 + 3_600_000 });
    expect(late.command).toMatchObject({ type: 'finish', status: 'failed', error: { kind: 'timeout' } });
    const after = await advance(recipe, late.state, { now: T0 + 7_200_000, result: { ok: true } });
    expect(after.command).toEqual(late.command);
  });

  it('a result arriving after the deadline is recorded, then the job times out after that step', async () => {
    const recipe = recipeOf(
      [
        { id: 'post', action: 'http.request', input: {} },
        { id: 'next', action: 'http.request', input: {} },
      ],
      { timeout: '1m' },
    );
    const first = await advance(recipe, start(recipe, {}, 'job_late', { now: T0 }), { now: T0 });
    const late = await advance(recipe, first.state, { now: T0 + 60_000, result: { ok: true, output: { status: 200 } } });
    expect(late.records).toMatchObject([{ stepId: 'post', status: 'succeeded', output: { status: 200 } }]);
    expect(late.command).toMatchObject({ type: 'finish', status: 'failed', error: { kind: 'timeout' } });
    expect(late.state.stack).toEqual([{ kind: 'list', list: 'root', index: 1 }]); // a rerun starts at `next`
  });

  it('cancel makes a running job terminal', async () => {
    const recipe = recipeOf([{ id: 'post', action: 'http.request', input: {} }]);
    const first = await advance(recipe, start(recipe, {}, 'job_x', { now: T0 }), { now: T0 });
    const cancelled = cancel(first.state);
    expect((await advance(recipe, cancelled, { now: T0, result: { ok: true } })).command).toEqual({ type: 'finish', status: 'cancelled' });
  });
});
