import { clockBindings, compileExpression, evaluateExpression, EXPRESSION_LIMITS, ExpressionError, setExpressionTimeout, toPlainJson } from './expression';
import { compileTemplate, render, scanTemplate, type TemplateNode } from './template';

const clock = clockBindings(0);

function compile(value: unknown): TemplateNode {
  const errors: ExpressionError[] = [];
  const node = compileTemplate(value, 'step_a', '/steps/0/input', (e) => errors.push(e));
  if (errors.length) throw errors[0];
  return node;
}

const ctx = {
  trigger: { body: { name: 'Ann', n: 3, ok: true, none: null, list: [{ id: 'a' }, { id: 'b' }], one: [7], obj: { k: 'v' } } },
  steps: {},
  vars: { greeting: 'hi' },
  job: { id: 'job_1' },
};

describe('scanTemplate', () => {
  it.each([
    ['plain', ['plain']],
    ['{{ a }}', [{ expr: 'a' }]],
    ['x {{a}} y {{ b.c }}', ['x ', { expr: 'a' }, ' y ', { expr: 'b.c' }]],
    ['{{ {"a": {"b": 1}} }}', [{ expr: '{"a": {"b": 1}}' }]],
    ['{{ "}}" & a }}!', [{ expr: '"}}" & a' }, '!']],
    ["{{ 'it\\'s }}' }}", [{ expr: "'it\\'s }}'" }]],
  ])('%s', (text, parts) => {
    expect(scanTemplate(text)).toEqual(parts);
  });

  it('reports an unterminated placeholder', () => {
    expect(scanTemplate('a {{ b')).toEqual({ error: 'unterminated {{ at character 2' });
  });
});

describe('render', () => {
  it.each([
    ['{{ trigger.body.n }}', 3],
    ['{{ trigger.body.ok }}', true],
    ['{{ trigger.body.none }}', null],
    ['{{ trigger.body.obj }}', { k: 'v' }],
    ['{{ trigger.body.missing }}', undefined],
    ['{{ trigger.body.one }}', [7]],
    ['{{ trigger.body.list.id }}', ['a', 'b']], // a list on the path: jsonata maps over it
    ['{{ trigger.body.list[1].id }}', 'b'],
    ['n={{ trigger.body.n }} ok={{ trigger.body.ok }} none={{ trigger.body.none }} o={{ trigger.body.obj }}', 'n=3 ok=true none= o={"k":"v"}'],
    ['{{ $uppercase(trigger.body.name) }}', 'ANN'],
    ['{{ trigger.body.name.length }}', undefined], // no JavaScript property reaches a recipe
    ['{{ vars.constructor }}', undefined],
  ])('%s → %j', async (template, expected) => {
    expect(await render(compile(template), ctx, clock)).toEqual(expected);
  });

  it('renders plain paths synchronously and jsonata through a promise', () => {
    expect(render(compile({ a: '{{ trigger.body.n }}', b: ['{{ vars.greeting }}'] }), ctx, clock)).toEqual({ a: 3, b: ['hi'] });
    expect(render(compile({ a: '{{ trigger.body.n + 1 }}' }), ctx, clock)).toBeInstanceOf(Promise);
  });

  it('a plain path that meets a list falls back to jsonata inside a larger value', async () => {
    expect(await render(compile({ ids: '{{ trigger.body.list.id }}', name: '{{ trigger.body.name }}' }), ctx, clock)).toEqual({ ids: ['a', 'b'], name: 'Ann' });
  });

  it('keeps constant subtrees as they are and drops undefined members', async () => {
    const constant = { method: 'POST', headers: { a: 'b' } };
    const node = compile({ constant, x: '{{ trigger.body.missing }}', list: ['{{ trigger.body.missing }}'] });
    const out = (await render(node, ctx, clock)) as Record<string, unknown>;
    expect(out).toEqual({ constant, list: [null] });
    expect(out['constant']).toBe(constant);
  });

  it('jsonata sequences come out as plain arrays that survive a JSON round trip', async () => {
    const out = await render(compile('{{ trigger.body.list.$string(id) }}'), ctx, clock);
    expect(Object.keys(out as object)).toEqual(['0', '1']);
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  });
});

describe('expression errors and bounds', () => {
  const site = { stepId: 'map', path: '/steps/0/set/x' };

  it('a parse error names the step, the expression and the path', () => {
    expect(() => compileExpression('a +', site)).toThrow('step "map", expression {{ a + }} at /steps/0/set/x: Unexpected end of expression');
  });

  it('a runtime error names the step and the expression', async () => {
    const expr = compileExpression('$number(trigger.v)', site);
    await expect(evaluateExpression(expr, { trigger: { v: 'x' } }, clock)).rejects.toThrow(/^step "map", expression \{\{ \$number\(trigger\.v\) \}\}/);
  });

  it.each([
    ['an endless recursion is stopped by the time bound', '($f := function($n){ $f($n + 1) }; $f(0))', 'D1012'],
    ['a deep non-tail recursion is stopped by the depth bound', '($f := function($n){ $n > 100000 ? 0 : 1 + $f($n + 1) }; $f(0))', 'D1011'],
    ['a huge sequence is stopped by the sequence bound', '$count([1..10000000].($ * 2))', 'D2015'],
  ])('%s', async (_what, source, code) => {
    // the depth and sequence bounds must fire on their own: on a loaded machine the 100 ms time bound could win the race
    if (code !== 'D1012') setExpressionTimeout(10_000);
    const started = Date.now();
    const error = await Promise.resolve(evaluateExpression(compileExpression(source, site), {}, clock))
      .catch((e: unknown) => e)
      .finally(() => setExpressionTimeout(EXPRESSION_LIMITS.timeoutMs));
    expect(error).toBeInstanceOf(ExpressionError);
    expect((error as ExpressionError).code).toBe(code);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('a function result is an error, not a value', async () => {
    await expect(evaluateExpression(compileExpression('function($x){ $x }', site), {}, clock)).rejects.toThrow('returned a function');
  });

  it('toPlainJson returns plain subtrees as they are', () => {
    const plain = { a: { b: 1 } };
    expect(toPlainJson(plain)).toBe(plain);
  });
});
