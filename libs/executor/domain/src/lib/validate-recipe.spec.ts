import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { advance } from './interpreter';
import { start } from './job-lifecycle';
import type { RecipeError } from './recipe-compiler';
import { compileRecipe, InvalidRecipeError, validateRecipe } from './validate-recipe';

const fixtures = join(__dirname, '..', 'fixtures');
const read = (dir: string) =>
  readdirSync(join(fixtures, dir))
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f, JSON.parse(readFileSync(join(fixtures, dir, f), 'utf8'))] as const);

describe('validateRecipe: golden fixtures', () => {
  it.each(read('ok'))('ok/%s is valid and runs its first command', async (_name, json) => {
    const result = validateRecipe(json);
    expect(result).toEqual({ ok: true, recipe: json });
    if (!result.ok) return;
    const first = await advance(result.recipe, start(result.recipe, { body: {} }, 'job_fixture', { now: 0 }), { now: 0 });
    expect(first.command.type).not.toBe('finish'); // every ok fixture reaches the outside world before ending
  });

  it.each(read('not-ok'))('not-ok/%s lists exactly its expected errors', (_name, fixture: { recipe: unknown; errors: RecipeError[] }) => {
    expect(fixture.errors.length).toBeGreaterThan(0);
    expect(validateRecipe(fixture.recipe)).toEqual({ ok: false, errors: fixture.errors });
  });
});

describe('validateRecipe: rules', () => {
  const withSteps = (steps: unknown[]) => ({ name: 'r', trigger: { type: 'webhook' }, steps });

  it('keeps timestampHeader and toleranceSeconds of the webhook signature shorthand, and checks them', () => {
    const recipe = (signature: Record<string, unknown>) => ({
      name: 'r',
      trigger: { type: 'webhook', signature: { header: 'x-sig', algorithm: 'hmac-sha256', connection: 'conn_1', ...signature } },
      steps: [{ id: 'a', action: 'x.y', input: {} }],
    });
    const ok = recipe({ timestampHeader: 'x-ts', toleranceSeconds: 60 });
    expect(validateRecipe(ok)).toEqual({ ok: true, recipe: ok });
    expect(validateRecipe(recipe({ toleranceSeconds: 0 }))).toMatchObject({ ok: false, errors: [{ path: '/trigger/signature/toleranceSeconds' }] });
    expect(validateRecipe(recipe({ timestampHeader: 'x ts' }))).toMatchObject({ ok: false, errors: [{ path: '/trigger/signature/timestampHeader' }] });
  });

  it('accepts references to earlier steps, ancestors (catch reads its try) and filters on a field named steps', () => {
    const result = validateRecipe(
      withSteps([
        { id: 'a', action: 'x.y', input: {} },
        {
          id: 'guard',
          try: [{ id: 'b', set: { v: '{{ steps.a.n }}', f: '{{ trigger.rows[steps > 2] }}', m: '{{ $map(trigger.rows, function($r){ $r.steps }) }}' } }],
          catch: [{ id: 'c', set: { e: '{{ steps.guard.error }}' } }],
        },
      ]),
    );
    expect(result.ok).toBe(true);
  });

  it('rejects a reference to a step inside a later branch, with the template path', () => {
    const result = validateRecipe(
      withSteps([
        { id: 'a', set: { v: '{{ steps.b.x }}' } },
        { id: 'c', if: true, then: [{ id: 'b', set: { w: 1 } }] },
      ]),
    );
    expect(result).toEqual({ ok: false, errors: [{ path: '/steps/0/set/v', message: 'expression {{ steps.b.x }}: steps.b runs after this step' }] });
  });

  it('escapes JSON pointer segments of keys with / and ~', () => {
    const result = validateRecipe(withSteps([{ id: 'a', action: 'x.y', input: { headers: { 'a/b~c': '{{ ( }}' } } }]));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.path)).toEqual(['/steps/0/input/headers/a~1b~0c']);
  });

  it('rejects expressions longer than the limit', () => {
    const result = validateRecipe(withSteps([{ id: 'a', set: { v: `{{ ${'1+'.repeat(3000)}1 }}` } }]));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0].message).toContain('longer than 4096 characters');
  });

  it('refuses a recipe nested deeper than the limit without walking it', () => {
    let steps: unknown[] = [{ id: 'leaf', stop: true }];
    for (let i = 0; i < 10_000; i++) steps = [{ id: `t${i}`, try: steps }];
    expect(validateRecipe(withSteps(steps))).toEqual({ ok: false, errors: [{ path: '', message: 'nests deeper than 64 levels' }] });
  });

  it('compileRecipe caches per object and throws InvalidRecipeError for an invalid one', () => {
    const json = withSteps([{ id: 'a', set: { v: 1 } }]);
    const result = validateRecipe(json);
    if (!result.ok) throw new Error('expected valid');
    expect(compileRecipe(result.recipe)).toBe(compileRecipe(result.recipe));
    expect(() => compileRecipe(withSteps([{ id: 'A', set: {} }]) as never)).toThrow(InvalidRecipeError);
  });
});
