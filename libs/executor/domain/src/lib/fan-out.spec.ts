import type { Recipe } from '@junction/executor/contracts';
import { MAX_CONCURRENT_LANES } from './fan-out';
import { compileRecipe, validateRecipe } from './validate-recipe';

const recipe = (steps: unknown[]) => ({ name: 'r', trigger: { type: 'webhook' }, steps });
const call = (id: string) => ({ id, action: 'http.request', input: { url: 'https://example.com' } });
const each = (id: string, concurrency: number | undefined, steps: unknown[]) => ({ id, forEach: '{{ trigger.body.items }}', ...(concurrency ? { concurrency } : {}), steps });
const branches = (prefix: string, n: number, body: (name: string) => unknown[]) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`b${i}`, body(`${prefix}${i}`)]));

describe('nested fan-out limit at save', () => {
  it('is 1,000 steps of one job at once', () => {
    expect(MAX_CONCURRENT_LANES).toBe(1_000);
  });

  it('refuses forEach × parallel × forEach at the outermost fan-out over the limit, with the numbers that multiply', () => {
    // 100 × (20 branches × forEach 5) = 10,000: the parallel step alone is 100, the outer forEach multiplies it
    const r = recipe([each('outer', 100, [{ id: 'fan', parallel: branches('b', 20, (id) => [each(`${id}_each`, 5, [call(`${id}_call`)])]) }])]);
    expect(validateRecipe(r)).toEqual({
      ok: false,
      errors: [
        {
          path: '/steps/0/concurrency',
          message: 'runs up to 10000 steps at once (concurrency 100 × up to 100 at once in each iteration); at most 1000 per job: lower this concurrency or the fan-out inside',
        },
      ],
    });
    // 100 × 20 × 100 = 200,000: the parallel step is over the limit on its own (2,000), so it is the one named first
    const worst = recipe([each('outer', 100, [{ id: 'fan', parallel: branches('b', 20, (id) => [each(`${id}_each`, 100, [call(`${id}_call`)])]) }])]);
    expect(validateRecipe(worst)).toEqual({
      ok: false,
      errors: [
        {
          path: '/steps/0/steps/0/parallel',
          message: 'runs up to 2000 steps at once (its 20 branches: 20 × 100); at most 1000 per job: lower the fan-out inside its branches',
        },
      ],
    });
  });

  it('names the parallel step when its branches together are over the limit, and the inner fan-out when it is over on its own', () => {
    // 20 branches of forEach 60: 1,200 at once, each branch 60
    const sum = recipe([{ id: 'fan', parallel: branches('b', 20, (id) => [each(`${id}_each`, 60, [call(`${id}_call`)])]) }]);
    expect(validateRecipe(sum)).toMatchObject({
      ok: false,
      errors: [{ path: '/steps/0/parallel', message: expect.stringContaining('runs up to 1200 steps at once (its 20 branches: 20 × 60)') }],
    });
    const mixed = recipe([{ id: 'fan', parallel: { a: [each('a', 100, [each('a2', 10, [call('a3')])])], b: [each('b', 100, [call('b2')])] } }]);
    expect(validateRecipe(mixed)).toMatchObject({
      ok: false,
      errors: [{ path: '/steps/0/parallel', message: expect.stringContaining('runs up to 1100 steps at once (its 2 branches: 1000 + 100)') }],
    });
    // a sequential forEach multiplies nothing: the one over the limit is the pair inside it, under the if's then
    const inner = recipe([each('seq', undefined, [{ id: 'check', if: '{{ item.ok }}', then: [each('a', 50, [each('b', 50, [call('c')])])] }])]);
    expect(validateRecipe(inner)).toMatchObject({
      ok: false,
      errors: [{ path: '/steps/0/steps/0/then/0/concurrency', message: expect.stringContaining('concurrency 50 × up to 50') }],
    });
  });

  it('reports each fan-out over the limit once, in document order', () => {
    const two = recipe([each('a', 40, [each('a2', 40, [call('a3')])]), call('mid'), { id: 't', try: [each('b', 20, [each('b2', 60, [call('b3')])])], catch: [] }]);
    const result = validateRecipe(two);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toEqual(['/steps/0/concurrency', '/steps/2/try/0/concurrency']);
  });

  it('accepts exactly the limit, and counts branches sequentially where they are sequential', () => {
    // 10 × (parallel of 4 branches: forEach 25 + 25 + 25 + 25) = 1,000
    const atLimit = recipe([each('outer', 10, [{ id: 'fan', parallel: branches('b', 4, (id) => [each(`${id}_each`, 25, [call(`${id}_call`)])]) }])]);
    expect(validateRecipe(atLimit).ok).toBe(true);
    // two fan-outs one after the other in a list run one at a time: the larger counts, not the sum
    const sequential = recipe([each('a', 100, [each('a2', 10, [call('a3')])]), each('b', 100, [each('b2', 10, [call('b3')])])]);
    expect(validateRecipe(sequential).ok).toBe(true);
  });

  it('still runs a version saved before the limit: the engine compiles it as stored', () => {
    const old = recipe([each('outer', 100, [each('inner', 100, [call('c')])])]);
    expect(validateRecipe(old).ok).toBe(false);
    expect(compileRecipe(old as unknown as Recipe).steps.get('inner')?.concurrency).toBe(100);
  });
});
