import { MAX_BODY_DEPTH, MAX_OBJECT_MEMBERS, inspectInput } from './forbidden-keys.guard';

function nested(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

describe('edge input inspection: what no service could store is refused with its path (issue #10 class 8)', () => {
  it.each([
    ['a NUL in a string', { name: 'a\u0000b' }, 'name', 'NUL'],
    ['a NUL deep in an array', { steps: [{ set: { x: ['ok', 'x\u0000'] } }] }, 'steps[0].set.x[1]', 'NUL'],
    ['a NUL in a key', { credentials: { 'api\u0000key': 'x' } }, 'credentials.api\u0000key', 'NUL'],
    ['a lone high surrogate', { name: '\ud800' }, 'name', 'surrogate'],
    ['a lone low surrogate at the start', { name: '\udc00abc' }, 'name', 'surrogate'],
    ['__proto__ as an own key', JSON.parse('{"a":{"__proto__":{"x":1}}}') as unknown, 'a.__proto__', 'forbidden'],
    ['constructor', { constructor: { prototype: {} } }, 'constructor', 'forbidden'],
    ['a NUL as the whole body', 'x\u0000', '(root)', 'NUL'],
  ])('%s', (_name, value, path, message) => {
    expect(inspectInput(value)).toEqual({ path, message: expect.stringContaining(message) });
  });

  it('accepts what is fine: paired surrogates (emoji), escapes that are not NUL, long arrays', () => {
    expect(inspectInput({ name: 'café 💩 \u2028', note: '\\u0000 is text here', list: Array.from({ length: 100_000 }, (_, i) => i) })).toBeUndefined();
    expect(inspectInput(nested(MAX_BODY_DEPTH - 1))).toBeUndefined();
  });

  it('refuses nesting past the bound without walking (or overflowing the stack on) the rest', () => {
    expect(inspectInput(nested(MAX_BODY_DEPTH + 1))).toEqual({ path: expect.stringMatching(/^a(\.a)+$/), message: expect.stringContaining('nested deeper') });
    const arrays = JSON.parse(`${'['.repeat(5000)}${']'.repeat(5000)}`) as unknown;
    expect(inspectInput(arrays)?.message).toContain('nested deeper');
  });

  it('refuses an object with more members than the bound, wherever it is', () => {
    const wide = Object.fromEntries(Array.from({ length: MAX_OBJECT_MEMBERS + 1 }, (_, i) => [`k${i}`, i]));
    expect(inspectInput({ definition: { actions: [wide] } })).toEqual({ path: 'definition.actions[0]', message: expect.stringContaining('members') });
    const justUnder = Object.fromEntries(Array.from({ length: MAX_OBJECT_MEMBERS }, (_, i) => [`k${i}`, i]));
    expect(inspectInput(justUnder)).toBeUndefined();
  });
});
