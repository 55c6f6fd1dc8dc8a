import { DEFAULT_APPROVAL_TIMEOUT_MS } from './recipe-compiler';
import { advance } from './interpreter';
import { start } from './job-lifecycle';
import type { Advance, ApprovalTicket, Command, StepResult } from './job-state';
import { T0, recipeOf } from './spec-kit';
import { drive } from './test-driver';
import { validateRecipe } from './validate-recipe';

const ticket: ApprovalTicket = {
  id: 'apr_01JEXAMPLE0000000000000000',
  approveUrl: 'https://junction.example/approvals/aaa.approve',
  rejectUrl: 'https://junction.example/approvals/bbb.reject',
  expiresAt: new Date(T0 + 3_600_000).toISOString(),
};

const decided = (decision: 'approved' | 'rejected', stepKey = 'manager'): StepResult => ({
  ok: true,
  stepKey,
  output: {
    name: '$approval',
    key: ticket.id,
    id: `approval:${ticket.id}`,
    data: { decision, comment: 'looks fine', by: 'api_key:key_1', at: '2026-12-07T10:00:00.000Z' },
    receivedAt: '2026-12-07T10:00:00.000Z',
  },
});

const expired: StepResult = { ok: false, stepKey: 'manager', error: { kind: 'timeout', message: 'the wait timed out' } };

const only = (a: Advance): Command => {
  expect(a.commands).toHaveLength(1);
  return a.command;
};

describe('engine: approval steps', () => {
  const withNotify = recipeOf([
    {
      id: 'manager',
      approval: {
        title: 'Refund {{ trigger.body.amount }} EUR?',
        description: 'order {{ trigger.body.order }}',
        timeout: '1h',
        notify: { action: 'slack.post_message', connection: 'slack-ops', input: { channel: '#ops', text: 'approve: {{ approval.approveUrl }} reject: {{ approval.rejectUrl }}' } },
      },
    },
    { id: 'after', set: { approved: '{{ steps.manager.approved }}', by: '{{ steps.manager.by }}' } },
  ]);
  const trigger = { body: { amount: 40, order: 'o-7' } };

  it('issues approval → notify invoke (with the links bound as `approval`) → await until expiry, then outputs the decision', async () => {
    const first = await advance(withNotify, start(withNotify, trigger, 'job_a', { now: T0 }), { now: T0 });
    expect(only(first)).toEqual({
      type: 'approval',
      stepId: 'manager',
      stepKey: 'manager',
      title: 'Refund 40 EUR?',
      description: 'order o-7',
      expiresAt: T0 + 3_600_000,
      idempotencyKey: 'job_a:manager:0',
    });
    const notify = await advance(withNotify, first.state, { now: T0 + 5, result: { ok: true, stepKey: 'manager', output: ticket } });
    expect(only(notify)).toMatchObject({
      type: 'invoke',
      action: 'slack.post_message',
      connection: 'slack-ops',
      attempt: 1,
      input: { channel: '#ops', text: `approve: ${ticket.approveUrl} reject: ${ticket.rejectUrl}` },
      idempotencyKey: 'job_a:manager:0',
    });
    const waiting = await advance(withNotify, notify.state, { now: T0 + 9, result: { ok: true, stepKey: 'manager', attempt: 1, output: { ts: '1' } } });
    expect(only(waiting)).toEqual({ type: 'await', stepId: 'manager', stepKey: 'manager', event: { name: '$approval', key: ticket.id }, until: T0 + 3_600_000 });
    // no step record carries the links: neither the notify input nor the ticket
    expect(JSON.stringify([first.records, notify.records, waiting.records])).not.toContain('approvals/');

    // a re-drive issues the same await, unchanged
    const redriven = await advance(withNotify, JSON.parse(JSON.stringify(waiting.state)), { now: T0 + 60_000 });
    expect(only(redriven)).toEqual(waiting.command);

    const done = await advance(withNotify, redriven.state, { now: T0 + 70_000, result: decided('approved') });
    expect(done.command).toMatchObject({ type: 'finish', status: 'succeeded' });
    expect(done.state.steps['manager']).toEqual({ decision: 'approved', approved: true, comment: 'looks fine', by: 'api_key:key_1', at: '2026-12-07T10:00:00.000Z' });
    expect(done.state.steps['after']).toEqual({ approved: true, by: 'api_key:key_1' });
    expect(done.records).toContainEqual(expect.objectContaining({ stepId: 'manager', kind: 'approval', status: 'succeeded' }));
  });

  it('without notify goes straight from approval to await; default timeout 7 days; a rejection outputs approved false', async () => {
    const recipe = recipeOf([{ id: 'manager', approval: { title: 'Ship it?' } }]);
    const first = await advance(recipe, start(recipe, {}, 'job_b', { now: T0 }), { now: T0 });
    expect(only(first)).toMatchObject({ type: 'approval', title: 'Ship it?', description: null, expiresAt: T0 + DEFAULT_APPROVAL_TIMEOUT_MS });
    const waiting = await advance(recipe, first.state, { now: T0 + 1, result: { ok: true, stepKey: 'manager', output: ticket } });
    expect(only(waiting)).toMatchObject({ type: 'await', event: { name: '$approval', key: ticket.id }, until: T0 + 7 * 86_400_000 });
    const done = await advance(recipe, waiting.state, { now: T0 + 2, result: decided('rejected') });
    expect(done.command).toMatchObject({ type: 'finish', status: 'succeeded' });
    expect(done.state.steps['manager']).toMatchObject({ decision: 'rejected', approved: false });
  });

  it('expiry is a timeout error a try catches; without a try the job fails with kind timeout', async () => {
    const caught = recipeOf([
      { id: 'guard', try: [{ id: 'manager', approval: { title: 'ok?', timeout: '2d' } }], catch: [{ id: 'fallback', set: { kind: '{{ steps.guard.error.kind }}' } }] },
    ]);
    let a = await advance(caught, start(caught, {}, 'job_c', { now: T0 }), { now: T0 });
    a = await advance(caught, a.state, { now: T0 + 1, result: { ok: true, stepKey: 'manager', output: ticket } });
    a = await advance(caught, a.state, { now: T0 + 2 * 86_400_000, result: expired });
    expect(a.command).toMatchObject({ type: 'finish', status: 'succeeded' });
    expect(a.state.vars).toEqual({ kind: 'timeout' });

    const bare = recipeOf([{ id: 'manager', approval: { title: 'ok?', timeout: '2d' } }]);
    let b = await advance(bare, start(bare, {}, 'job_d', { now: T0 }), { now: T0 });
    b = await advance(bare, b.state, { now: T0 + 1, result: { ok: true, stepKey: 'manager', output: ticket } });
    b = await advance(bare, b.state, { now: T0 + 2 * 86_400_000, result: expired });
    expect(b.command).toMatchObject({ type: 'finish', status: 'failed', error: { kind: 'timeout', stepId: 'manager' } });
  });

  it("retries a failed notify like an action, then fails the step with the action's error", async () => {
    let a = await advance(withNotify, start(withNotify, trigger, 'job_e', { now: T0 }), { now: T0 });
    a = await advance(withNotify, a.state, { now: T0 + 1, result: { ok: true, stepKey: 'manager', output: ticket } });
    expect(a.command).toMatchObject({ type: 'invoke', attempt: 1 });
    a = await advance(withNotify, a.state, { now: T0 + 2, result: { ok: false, stepKey: 'manager', attempt: 1, error: { kind: 'retryable', message: 'slack 503' } } });
    expect(a.command).toMatchObject({ type: 'wait', reason: 'retry', stepKey: 'manager' });
    expect(a.records).toEqual([expect.objectContaining({ stepId: 'manager', status: 'retrying', attempt: 1 })]);
    expect(a.records[0].input).toBeUndefined();
    const until = (a.command as Extract<Command, { type: 'wait' }>).until;
    a = await advance(withNotify, a.state, { now: until });
    expect(a.command).toMatchObject({ type: 'invoke', attempt: 2 });
    a = await advance(withNotify, a.state, { now: until + 1, result: { ok: false, stepKey: 'manager', attempt: 2, error: { kind: 'fatal', message: 'channel_not_found' } } });
    expect(a.command).toMatchObject({ type: 'finish', status: 'failed', error: { kind: 'fatal', stepId: 'manager' } });
    expect((a.command as Extract<Command, { type: 'finish' }>).error?.message).toContain('channel_not_found');
  });

  it('the job deadline still ends a waiting approval, uncaught by try', async () => {
    const recipe = recipeOf([{ id: 'guard', try: [{ id: 'manager', approval: { title: 'ok?' } }], catch: [{ id: 'fallback', set: { caught: true } }] }], { timeout: '1h' });
    let a = await advance(recipe, start(recipe, {}, 'job_f', { now: T0 }), { now: T0 });
    a = await advance(recipe, a.state, { now: T0 + 1, result: { ok: true, stepKey: 'manager', output: ticket } });
    a = await advance(recipe, a.state, { now: T0 + 3_600_001 });
    expect(a.command).toMatchObject({ type: 'finish', status: 'failed', error: { kind: 'timeout' } });
    expect(a.state.vars).toEqual({});
  });

  it('is refused without a title, with a bad timeout, inside parallel lanes, and with a notify input reading a later step', () => {
    const errors = (steps: unknown[]) => {
      const r = validateRecipe({ name: 'x', trigger: { type: 'webhook' }, steps });
      return r.ok ? [] : r.errors.map((e) => e.path);
    };
    expect(errors([{ id: 'a', approval: {} }])).toContain('/steps/0/approval/title');
    expect(errors([{ id: 'a', approval: { title: 't', timeout: 'soon' } }])).toContain('/steps/0/approval/timeout');
    expect(errors([{ id: 'each', forEach: [1, 2], concurrency: 2, steps: [{ id: 'a', approval: { title: 't' } }] }])).toContain('/steps/0/steps/0/approval');
    expect(errors([{ id: 'both', parallel: { x: [{ id: 'a', approval: { title: 't' } }], y: [{ id: 'b', set: { v: 1 } }] } }])).toContain('/steps/0/parallel/x/0/approval');
    expect(
      errors([
        { id: 'a', approval: { title: 't', notify: { action: 'slack.post_message', input: { text: '{{ steps.b.x }}' } } } },
        { id: 'b', set: { x: 1 } },
      ]),
    ).toContain('/steps/0/approval/notify/input/text');
  });

  it('runs under the test driver: the notify carries the links, a decision event resumes it, none times it out', async () => {
    const sent: unknown[] = [];
    const perform = (c: { input: unknown }) => (sent.push(c.input), { ok: true as const, output: { ts: '1' } });
    const approved = await drive(withNotify, trigger, perform, { now: T0, events: (c, now) => ({ at: now + 1_000, data: { decision: 'approved', by: 'link', at: 'x' } }) });
    expect(approved.final.status).toBe('succeeded');
    expect(JSON.stringify(sent)).toContain('approvals/apr_manager.approve');
    expect(approved.state.vars).toEqual({ approved: true, by: 'link' });
    const none = await drive(withNotify, trigger, () => ({ ok: true }), { now: T0 });
    expect(none.final).toMatchObject({ status: 'failed', error: { stepId: 'manager', kind: 'timeout' } });
    expect(none.now).toBe(T0 + 3_600_000);
  });
});
