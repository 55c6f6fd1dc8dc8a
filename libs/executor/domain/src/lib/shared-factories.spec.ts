import { aPollRecipe, aRecipe, aScheduleRecipe } from '@junction/shared/testing';
import { validateRecipe } from './validate-recipe';

// The shared test kit's recipes must stay valid as the recipe rules change: tests built on them
// would otherwise test the refusal of an invalid recipe without saying so.
describe('the shared test kit’s recipe factories', () => {
  it.each([
    ['aRecipe', aRecipe()],
    ['aScheduleRecipe', aScheduleRecipe({ timezone: 'Europe/Berlin', misfire: { policy: 'catchUp', max: 2 } })],
    ['aPollRecipe', aPollRecipe({ connection: 'conn_1', input: { list: 'leads' } })],
  ])('%s passes validateRecipe unchanged', (_name, recipe) => {
    expect(validateRecipe(recipe)).toEqual({ ok: true, recipe });
  });
});
