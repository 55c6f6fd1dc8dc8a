import { advance } from './interpreter';
import { start } from './job-lifecycle';
import { validateRecipe } from './validate-recipe';
import { assignVars } from './vars';

// A JSON body makes "__proto__" an own key, as a recipe saved over the API would carry it.
const recipeWithSet = (set: string) =>
  JSON.parse(`{"name":"r","trigger":{"type":"webhook"},"steps":[{"id":"a","set":${set}},{"id":"b","action":"http.request","input":{}}]}`) as unknown;

describe('set: reserved variable names', () => {
  it.each(['__proto__', 'constructor', 'prototype'])('refuses a set of %s when the recipe is saved, naming the key', (name) => {
    expect(validateRecipe(recipeWithSet(`{"${name}":{"polluted":true},"ok":1}`))).toEqual({
      ok: false,
      errors: [{ path: `/steps/0/set/${name}`, message: 'is a reserved name, not a variable name' }],
    });
  });

  it('still accepts names that merely contain the reserved words', async () => {
    const json = recipeWithSet('{"proto":1,"constructorName":"x","__proto":2}');
    const result = validateRecipe(json);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const next = await advance(result.recipe, start(result.recipe, { body: {} }, 'job_vars', { now: 0 }), { now: 0 });
    expect(next.state.vars).toEqual({ proto: 1, constructorName: 'x', __proto: 2 });
  });

  it('assigns values as plain data: a reserved key is skipped and the prototype of vars is left alone', () => {
    const vars: Record<string, unknown> = { kept: 1 };
    assignVars(vars, JSON.parse('{"__proto__":{"polluted":true},"constructor":{"x":1},"prototype":2,"a":"b"}') as Record<string, unknown>);
    expect(Object.getPrototypeOf(vars)).toBe(Object.prototype);
    expect(vars['polluted']).toBeUndefined();
    expect(vars).toEqual({ kept: 1, a: 'b' });
    expect(Object.keys(vars)).toEqual(['kept', 'a']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
