import type { Recipe } from '@junction/executor/contracts';

import { flowKeyOf, keyedConcurrency, keyedDebounce, keyedThrottle } from './flow-control';
import { validateRecipe } from './validate-recipe';

const recipe = (concurrency: unknown) =>
  ({ name: 'r', trigger: { type: 'webhook' }, steps: [{ id: 'a', action: 'http.request', input: {} }], settings: { concurrency } }) as unknown as Recipe;

describe('flow control: keyed concurrency', () => {
  it('accepts a number or { limit, key } and refuses other shapes when saved', () => {
    expect(validateRecipe(recipe(3)).ok).toBe(true);
    expect(validateRecipe(recipe({ limit: 1, key: '{{ trigger.body.customer }}' })).ok).toBe(true);
    expect(validateRecipe(recipe({ limit: 0, key: '{{ trigger.body.customer }}' })).ok).toBe(false);
    expect(validateRecipe(recipe({ key: '{{ trigger.body.customer }}' })).ok).toBe(false);
    expect(validateRecipe(recipe({ limit: 1, key: 'x', extra: true })).ok).toBe(false);
  });

  it('has no keyed limit for a plain number, and compiles the key once per recipe', () => {
    expect(keyedConcurrency(recipe(5))).toBeUndefined();
    const keyed = recipe({ limit: 2, key: '{{ trigger.body.customer }}' });
    const first = keyedConcurrency(keyed);
    expect(first?.limit).toBe(2);
    expect(keyedConcurrency(keyed)).toBe(first);
  });

  it('keys a trigger by the expression as text; a failing or non-scalar key is the empty key', async () => {
    const key = (source: string) => keyedConcurrency(recipe({ limit: 1, key: source }))?.key as never;
    expect(await flowKeyOf(key('{{ trigger.body.customer }}'), { body: { customer: 'acme' } }, 'ws', 0)).toBe('acme');
    expect(await flowKeyOf(key('{{ trigger.body.n }}'), { body: { n: 42 } }, 'ws', 0)).toBe('42');
    expect(await flowKeyOf(key('c-{{ trigger.body.customer }}'), { body: { customer: 'acme' } }, 'ws', 0)).toBe('c-acme');
    expect(await flowKeyOf(key('{{ trigger.body }}'), { body: { customer: 'acme' } }, 'ws', 0)).toBe('');
    expect(await flowKeyOf(key('{{ trigger.body.missing }}'), { body: {} }, 'ws', 0)).toBe('');
    expect(await flowKeyOf(key('{{ $error("no") }}'), { body: {} }, 'ws', 0)).toBe('');
  });
});

describe('flow control: priority', () => {
  const withPriority = (priority: unknown) =>
    ({ name: 'r', trigger: { type: 'webhook' }, steps: [{ id: 'a', action: 'http.request', input: {} }], settings: { priority } }) as unknown as Recipe;

  it('accepts 1 to 5 and refuses anything else when saved', () => {
    for (const p of [1, 3, 5]) expect(validateRecipe(withPriority(p)).ok).toBe(true);
    for (const p of [0, 6, 2.5, '5']) expect(validateRecipe(withPriority(p)).ok).toBe(false);
  });
});

describe('flow control: throttle', () => {
  const withThrottle = (throttle: unknown) =>
    ({ name: 'r', trigger: { type: 'webhook' }, steps: [{ id: 'a', action: 'http.request', input: {} }], settings: { throttle } }) as unknown as Recipe;

  it('accepts { limit, period, key? } and refuses a missing limit or period, or an unknown field, when saved', () => {
    expect(validateRecipe(withThrottle({ limit: 100, period: '1m', key: '{{ trigger.body.account }}' })).ok).toBe(true);
    expect(validateRecipe(withThrottle({ limit: 10, period: '1s' })).ok).toBe(true);
    expect(validateRecipe(withThrottle({ period: '1m' })).ok).toBe(false);
    expect(validateRecipe(withThrottle({ limit: 1 })).ok).toBe(false);
    expect(validateRecipe(withThrottle({ limit: 1, period: 'soon' })).ok).toBe(false);
    expect(validateRecipe(withThrottle({ limit: 1, period: '1s', burst: 2 })).ok).toBe(false);
  });

  it('reads the period in ms and keys every job alike without a key', async () => {
    const keyed = keyedThrottle(withThrottle({ limit: 100, period: '1m', key: '{{ trigger.body.account }}' }));
    expect(keyed).toMatchObject({ limit: 100, periodMs: 60_000 });
    expect(await flowKeyOf(keyed?.key as never, { body: { account: 'a1' } }, 'ws', 0)).toBe('a1');
    const whole = keyedThrottle(withThrottle({ limit: 5, period: '10s' }));
    expect(await flowKeyOf(whole?.key as never, { body: { account: 'a1' } }, 'ws', 0)).toBe('');
    expect(keyedThrottle(withThrottle(undefined))).toBeUndefined();
  });
});

describe('flow control: debounce', () => {
  const withDebounce = (debounce: unknown) =>
    ({ name: 'r', trigger: { type: 'webhook' }, steps: [{ id: 'a', action: 'http.request', input: {} }], settings: { debounce } }) as unknown as Recipe;

  it('accepts { period, key?, maxWait? } and refuses a missing period or an unknown field, when saved', () => {
    expect(validateRecipe(withDebounce({ period: '30s', key: '{{ trigger.body.id }}', maxWait: '5m' })).ok).toBe(true);
    expect(validateRecipe(withDebounce({ period: '30s' })).ok).toBe(true);
    expect(validateRecipe(withDebounce({ key: '{{ trigger.body.id }}' })).ok).toBe(false);
    expect(validateRecipe(withDebounce({ period: '30s', wait: '1m' })).ok).toBe(false);
  });

  it('reads period and maxWait in ms', () => {
    expect(keyedDebounce(withDebounce({ period: '30s', key: '{{ trigger.body.id }}', maxWait: '5m' }))).toMatchObject({ periodMs: 30_000, maxWaitMs: 300_000 });
    expect(keyedDebounce(withDebounce({ period: '2s' }))?.maxWaitMs).toBeUndefined();
    expect(keyedDebounce(withDebounce(undefined))).toBeUndefined();
  });
});

describe('flow control: keys are checked when the recipe is saved', () => {
  const withSettings = (settings: Record<string, unknown>) =>
    ({ name: 'r', trigger: { type: 'webhook' }, steps: [{ id: 'a', action: 'http.request', input: {} }], settings }) as unknown as Recipe;

  it('refuses a key that does not compile or reads a step, naming the setting', () => {
    const bad = validateRecipe(withSettings({ concurrency: { limit: 1, key: '{{ trigger.body.( }}' } }));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors.map((e) => e.path)).toEqual(['/settings/concurrency/key']);
    const stepRef = validateRecipe(withSettings({ debounce: { period: '1s', key: '{{ steps.a.status }}' } }));
    expect(stepRef).toEqual({
      ok: false,
      errors: [{ path: '/settings/debounce/key', message: 'expression {{ steps.a.status }}: a key reads only the trigger, not steps.a' }],
    });
    expect(validateRecipe(withSettings({ throttle: { limit: 1, period: '1s', key: 'acct-{{ trigger.body.account }}' } })).ok).toBe(true);
  });
});
