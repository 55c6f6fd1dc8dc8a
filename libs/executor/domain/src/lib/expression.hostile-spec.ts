import { clockBindings, compileExpression, evaluateExpression, ExpressionError } from './expression';
import { SIZE_LIMITS } from './expression-guards';
import { validateRecipe } from './validate-recipe';

const site = { stepId: 'map', path: '/steps/0/set/x' };
const clock = clockBindings(0);
// far above what any of these takes when guarded, far below what they took unguarded (seconds to minutes)
const QUICK_MS = 3_000;

async function evaluate(source: string, ctx: Record<string, unknown> = {}): Promise<{ value?: unknown; error?: ExpressionError; ms: number }> {
  const started = Date.now();
  try {
    const value = await evaluateExpression(compileExpression(source, site), ctx, clock);
    return { value, ms: Date.now() - started };
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    return { error, ms: Date.now() - started };
  }
}

async function expectQuickFailure(source: string, message: RegExp, ctx: Record<string, unknown> = {}): Promise<void> {
  const { value, error, ms } = await evaluate(source, ctx);
  expect({ source, value, error: error?.message }).toEqual({ source, value: undefined, error: expect.stringMatching(message) });
  // the error names the recipe step and where the expression sits
  expect(error?.message).toContain('step "map"');
  expect(error?.message).toContain('/steps/0/set/x');
  expect(ms).toBeLessThan(QUICK_MS);
}

describe('expressions (hostile): catastrophic regexes run in linear time', () => {
  const s = 'a'.repeat(50_000) + '!';

  it.each([
    ['$match(s, /(a+)+$/)', undefined],
    ['$match(s, /(a+)+!$/).index', 0],
    ['$contains(s, /^(a|aa)+$/)', false],
    ['$contains(s, /^(\\w+\\s?)*$/)', false],
    ['$replace(s, /(a*)*b/, "x") = s', true],
    ['$count($split(s, /(a|a)+!/))', 2],
  ])('%s answers at once', async (source, expected) => {
    const { value, error, ms } = await evaluate(source, { s });
    expect(error).toBeUndefined();
    expect(value).toEqual(expected);
    expect(ms).toBeLessThan(QUICK_MS);
  });

  it.each(['$match(s, /(a)\\1/)', '$contains(s, /a(?=b)/)', '$replace(s, /(?<!x)a/, "b")'])('refuses %s when the recipe is saved (no backtracking features)', (source) => {
    expect(() => compileExpression(source, site)).toThrow(/not supported .*linear-time engine/);
    const result = validateRecipe({ name: 'r', trigger: { type: 'webhook' }, steps: [{ id: 'map', set: { x: `{{ ${source} }}` } }] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toEqual([expect.objectContaining({ path: '/steps/0/set/x', message: expect.stringMatching(/not supported/) })]);
  });

  it('runs a regex built from data ($eval) on the same engine', async () => {
    const { value, ms } = await evaluate('$eval("$contains(s, /^(a|aa)+$/)", {"s": s})', { s });
    expect(value).toBe(false);
    expect(ms).toBeLessThan(QUICK_MS);
  });
});

describe('expressions (hostile): sizes are capped inside the evaluator', () => {
  it.each([
    ['$pad("", 100000000, "x")', /\$pad would return 100000000 characters; at most \d+ are allowed/],
    ['$pad("x", -100000000, "ab")', /\$pad would return 100000000 characters/],
    ['$count([1..100000000])', /range operator .* must not exceed/],
    ['$count([1..99999].[1..99999])', /sequence|timeout/i],
    ['$join([1..2000].$pad("", 2000, "x"))', /\$join would return \d+ characters|produced by this expression|timeout/i],
    ['$reduce([1..40], function($acc, $i){ $acc & $acc }, "x")', /operator & produced \d+ characters/],
    ['$reduce([1..40], function($acc, $i){ {"a": $acc, "b": $acc} }, 1)', /an object constructor produced a value of more than \d+ characters as JSON/],
    ['$string($reduce([1..40], function($acc, $i){ [[$acc], [$acc]] }, 1))', /produced a (value|list)|timeout/i], // the cap, or under CPU load the 100 ms timeout first
    ['$split($pad("", 2000000, "x"), "")', /\$split would return more than 100000 items/],
    ['$replace($pad("", 100000, "a"), "a", $pad("", 1000, "b"))', /\$replace would return \d+ characters/],
    ['$replace($pad("", 200000, "a"), /a/, "b")', /\$replace found more than 100000 matches/],
    ['$map([1..5000], $string)', /\$map with a built-in function over 5000 items/],
    ['$sort([1..5000], $boolean)', /\$sort with a built-in comparator over 5000 items/],
    ['$eval($pad("", 5000, " ") & "1")', /\$eval of 5001 characters/],
    ['$string([1..99999].$pad("", 1000, "x"))', /produced by this expression|timeout/i],
  ])('%s fails quickly with an error naming the function', async (source, message) => {
    await expectQuickFailure(source, message);
  });

  it('stops an unbounded self-application at the timeout and a deep recursion at the stack bound', async () => {
    await expectQuickFailure('(function($f){ $f($f) })(function($f){ $f($f) })', /timeout/i);
    await expectQuickFailure('($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))', /stack overflow|timeout/i);
    await expectQuickFailure('($f := function($g){ $g($g) & "x" }; $f($f))', /stack overflow|timeout/i);
  });

  it('sorts and de-duplicates long lists without the quadratic built-ins', async () => {
    const sorted = await evaluate('$sort($reverse([1..99999]))');
    expect(sorted.error).toBeUndefined();
    expect((sorted.value as number[]).slice(0, 3)).toEqual([1, 2, 3]);
    expect(sorted.ms).toBeLessThan(QUICK_MS);
    const distinct = await evaluate('$count($distinct(xs))', { xs: Array.from({ length: 99_999 }, (_, i) => i % 1000) });
    expect(distinct).toMatchObject({ value: 1000 });
    expect(distinct.ms).toBeLessThan(QUICK_MS);
  });

  it('lets values up to the caps through', async () => {
    const { value, error } = await evaluate(`$length($pad("", ${SIZE_LIMITS.maxStringLength}, "x"))`);
    expect(error).toBeUndefined();
    expect(value).toBe(SIZE_LIMITS.maxStringLength);
  });
});

describe('expressions (hostile): the guarded built-ins keep their results', () => {
  it.each([
    ['$pad("ab", 5, "-")', 'ab---'],
    ['$pad("ab", -5)', '   ab'],
    ['$pad("x", 4, "ab")', 'xaba'],
    ['$pad("abcdef", 3)', 'abcdef'],
    ['$join(["a", "b", "c"], ", ")', 'a, b, c'],
    ['$string({"a": [1, 2]})', '{"a":[1,2]}'],
    ['$string({"a": 1}, true)', '{\n  "a": 1\n}'],
    ['$replace("abcb", /b/, "[$0]")', 'a[b]c[b]'],
    ['$replace("a.b.c", ".", "-", 1)', 'a-b.c'],
    ['$split("a,b,c", ",")', ['a', 'b', 'c']],
    ['$split("a,b,c", ",", 2)', ['a', 'b']],
    ['$sort(["b", "a", "c"])', ['a', 'b', 'c']],
    ['$sort([3, 1, 2], function($l, $r){ $l < $r })', [3, 2, 1]],
    ['$distinct([1, 1, 2])', [1, 2]],
    ['$count($distinct(objects))', 3],
    ['$map([1, 2], $string)', ['1', '2']],
    ['$map([1, 2], function($v, $i){ $v + $i })', [1, 3]],
    ['$reduce([1, 2, 3], function($a, $b){ $a + $b })', 6],
    ['$match("a1b22", /[0-9]+/).match', ['1', '22']],
    ['"x" & 1 & true', 'x1true'],
    ['{"f": function($v){ $v }, "n": 1}.n', 1],
    ['$string({"f": $uppercase, "n": [1]})', '{"f":"","n":[1]}'],
  ])('%s', async (source, expected) => {
    // 200 objects, 3 distinct (key order does not matter): past the size at which $distinct stops comparing pairs
    const objects = Array.from({ length: 200 }, (_, i) => (i % 2 ? { k: i % 3, j: 1 } : { j: 1, k: i % 3 }));
    const { value, error } = await evaluate(source, { objects });
    expect(error).toBeUndefined();
    expect(value).toEqual(expected);
  });
});
