import { advance, start, validateRecipe } from '@junction/executor/domain';
import { redact } from './redact';
import { redactPaths } from './sensitive-fields';
import { withTriggerRefs } from './trigger-refs';

/** Puts references back as `job_step_input` does in Postgres (for the round trip below). */
function resolved(input: unknown, refs: { at: string[]; from: string[] }[] | undefined, trigger: unknown): unknown {
  const at = (value: unknown, path: string[]) => path.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], value);
  let out = structuredClone(input);
  for (const ref of refs ?? []) {
    const value = structuredClone(at(trigger, ref.from) ?? null);
    if (ref.at.length === 0) out = value;
    else (at(out, ref.at.slice(0, -1)) as Record<string, unknown>)[ref.at[ref.at.length - 1]] = value;
  }
  return out;
}

describe('withTriggerRefs (a step input stored once)', () => {
  const trigger = { body: { tag: 't', rows: [{ n: 1 }, { n: 2 }], meta: { deep: { er: { est: { x: 1 } } } } }, headers: { 'x-id': 'a' } };

  it('replaces the trigger’s own values by references, copying only the objects on their paths', () => {
    const input = { method: 'POST', url: 'http://x', body: { json: trigger.body }, rows: trigger.body.rows, same: trigger.body };
    const { input: stored, inputRef } = withTriggerRefs(input, trigger);
    expect(stored).toEqual({ method: 'POST', url: 'http://x', body: { json: null }, rows: null, same: null });
    expect(inputRef).toEqual([
      { at: ['body', 'json'], from: ['body'] },
      { at: ['rows'], from: ['body', 'rows'] },
      { at: ['same'], from: ['body'] },
    ]);
    expect(input.body.json).toBe(trigger.body);
    expect(resolved(stored, inputRef, trigger)).toEqual(input);
  });

  it('references the whole trigger, and leaves equal copies, scalars and deeper values inline', () => {
    expect(withTriggerRefs(trigger, trigger)).toEqual({ input: null, inputRef: [{ at: [], from: [] }] });
    const copy = { body: structuredClone(trigger.body), tag: trigger.body.tag, deep: trigger.body.meta.deep.er.est };
    expect(withTriggerRefs(copy, trigger)).toEqual({ input: copy });
    expect(withTriggerRefs(copy, trigger).input).toBe(copy);
    expect(withTriggerRefs({ a: 1 }, null)).toEqual({ input: { a: 1 } });
    expect(withTriggerRefs(null, trigger)).toEqual({ input: null });
  });

  it('never references a redacted value: redaction copies what it changes, so the stored row keeps the redaction', () => {
    const secret = { body: { token: 'sk_live', ssn: '123', name: 'Ann' } };
    const input = { body: { json: secret.body }, other: secret.body };
    // the job's redaction of secret-looking keys, then the action's sensitive paths
    const stored = redactPaths(redact(input), ['other.ssn']);
    const { input: kept, inputRef } = withTriggerRefs(stored, secret);
    expect(inputRef).toBeUndefined();
    expect(kept).toEqual({ body: { json: { token: '[redacted]', ssn: '123', name: 'Ann' } }, other: { token: '[redacted]', ssn: '[redacted]', name: 'Ann' } });
    // a sensitive path outside the referenced value leaves the reference
    const clean = { body: { name: 'Ann' } };
    const partly = redactPaths(redact({ body: { json: clean.body }, ssn: '1' }), ['ssn']);
    expect(withTriggerRefs(partly, clean)).toEqual({ input: { body: { json: null }, ssn: '[redacted]' }, inputRef: [{ at: ['body', 'json'], from: ['body'] }] });
  });

  it('finds the trigger’s values in an action input the engine rendered from `{{ trigger.body }}`', async () => {
    const valid = validateRecipe({
      name: 'r',
      trigger: { type: 'webhook' },
      steps: [{ id: 'post', action: 'http.request', input: { method: 'POST', url: 'http://sink', body: { json: '{{ trigger.body }}' } } }],
    });
    if (!valid.ok) throw new Error(JSON.stringify(valid.errors));
    const received = { body: { rows: [{ n: 1 }] }, headers: {} };
    const step = await advance(valid.recipe, start(valid.recipe, received, 'job_1'), { now: Date.now() });
    const invoke = step.commands.find((c) => c.type === 'invoke');
    expect(invoke?.type).toBe('invoke');
    const { input, inputRef } = withTriggerRefs(redact(invoke?.type === 'invoke' ? invoke.input : undefined), received);
    expect(inputRef).toEqual([{ at: ['body', 'json'], from: ['body'] }]);
    expect(input).toEqual({ method: 'POST', url: 'http://sink', body: { json: null } });
  });
});
