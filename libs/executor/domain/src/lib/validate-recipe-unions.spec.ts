import { validateRecipe } from './validate-recipe';

/**
 * One line per problem in a union of the recipe schema. Before: the `x-message` sentence stood for
 * every failure inside its union, so `stop: { reason: 5 }` read "must be true or { "reason"?:
 * string, "failed"?: boolean }" and `delay: { duration: 5, until: "x" }` read "must be a duration
 * such as …" without saying that `until` was the problem. Now the closest alternative answers and
 * is named; the sentence is kept for a value of a kind no alternative takes.
 */
describe('validateRecipe: unions name the closest alternative', () => {
  const withSteps = (steps: unknown[]) => ({ name: 'r', trigger: { type: 'webhook' }, steps });
  const errorsOf = (json: unknown) => {
    const result = validateRecipe(json);
    return result.ok ? [] : result.errors;
  };

  it('says which field of the chosen alternative to change', () => {
    expect(errorsOf(withSteps([{ id: 'a', stop: { reason: 5 } }]))).toEqual([{ path: '/steps/0/stop/reason', message: 'must be string (closest: an object with reason, failed)' }]);
    expect(errorsOf(withSteps([{ id: 'a', delay: { duration: '5m', until: 'x' } }]))).toEqual([
      { path: '/steps/0/delay/until', message: 'is not allowed here (closest: an object with duration)' },
    ]);
  });

  it('keeps the sentence of a union when the value is of a kind none of its alternatives takes', () => {
    expect(errorsOf(withSteps([{ id: 'a', delay: 'soon' }]))).toEqual([
      { path: '/steps/0/delay', message: 'must be a duration such as "15m", a {{ }} template, { "duration": … } or { "until": … }' },
    ]);
    expect(errorsOf(withSteps([{ id: 'a', respond: { status: 'x' } }]))).toEqual([
      { path: '/steps/0/respond/status', message: 'must be an HTTP status (100–599) or a {{ }} template' },
    ]);
  });

  it('gives two lines for two problems, never one per alternative', () => {
    const errors = errorsOf(
      withSteps([
        { id: 'a', delay: 'soon' },
        { id: 'b', stop: 'yes' },
      ]),
    );
    expect(errors).toEqual([
      { path: '/steps/0/delay', message: 'must be a duration such as "15m", a {{ }} template, { "duration": … } or { "until": … }' },
      { path: '/steps/1/stop', message: 'must be true or { "reason"?: string, "failed"?: boolean }' },
    ]);
  });
});
