import { validateRecipe } from './validate-recipe';

/**
 * A recipe author trying to unleash an unbounded catch-up after downtime (or to smuggle in a
 * policy the scheduler does not know) is refused at save time, with the path of the bad field.
 */
describe('schedule misfire policy: hostile recipes', () => {
  const recipe = (misfire: unknown) => ({ name: 'r', trigger: { type: 'schedule', cron: '* * * * * *', misfire }, steps: [{ id: 'a', action: 'x.y', input: {} }] });

  it.each([
    ['an unbounded catch-up (no max)', { policy: 'catchUp' }],
    ['a catch-up above the scheduler bound', { policy: 'catchUp', max: 101 }],
    ['a huge catch-up', { policy: 'catchUp', max: 1e9 }],
    ['a zero catch-up', { policy: 'catchUp', max: 0 }],
    ['a fractional catch-up', { policy: 'catchUp', max: 2.5 }],
    ['a max that skip would silently ignore', { policy: 'skip', max: 5 }],
    ['an unknown policy', { policy: 'fireAll' }],
    ['the scheduler’s internal spelling', { policy: 'catch_up', max: 3 }],
    ['an extra key', { policy: 'skip', grace: 0 }],
    ['a string', 'catchUp'],
  ])('refuses %s', (_what, misfire) => {
    const result = validateRecipe(recipe(misfire));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.stringMatching(/^\/trigger\/misfire/) })]));
  });

  it.each([[{ policy: 'skip' }], [{ policy: 'catchUp', max: 1 }], [{ policy: 'catchUp', max: 100 }]])('accepts %j', (misfire) => {
    expect(validateRecipe(recipe(misfire))).toMatchObject({ ok: true });
  });
});
