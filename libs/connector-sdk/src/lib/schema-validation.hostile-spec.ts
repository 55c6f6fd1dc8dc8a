import { validateDeclarative } from './declarative/declarative-connector';
import { validateAgainst } from './schema-validation';

describe('user JSON Schemas (hostile)', () => {
  it('matches a catastrophic pattern against a long input in linear time', () => {
    const schema = { type: 'object', properties: { name: { type: 'string', pattern: '(a+)+$' }, code: { type: 'string', pattern: '^(\\w+\\s?)*$' } } };
    const started = Date.now();
    // each of these takes a backtracking engine minutes (2^n paths); RE2 answers at once
    const errors = validateAgainst(schema, { name: 'a'.repeat(50_000) + '!', code: 'word '.repeat(20_000) + '!' });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(errors.map((e) => e.path)).toEqual(['/name', '/code']);
    expect(validateAgainst(schema, { name: '!' + 'a'.repeat(50_000), code: 'word '.repeat(20_000) })).toEqual([]);
  });

  it('applies patternProperties on the same engine', () => {
    const schema = { type: 'object', patternProperties: { '^(x+x+)+y$': { type: 'number' } } };
    const started = Date.now();
    expect(validateAgainst(schema, { ['x'.repeat(40_000)]: 'not checked: the key does not match' })).toEqual([]);
    expect(validateAgainst(schema, { xxy: 'text' }).map((e) => e.path)).toEqual(['/xxy']);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('refuses a custom connector whose schema needs a backtracking engine, naming the field', () => {
    const errors = validateDeclarative({
      key: 'acme',
      displayName: 'Acme',
      baseUrl: 'https://api.acme.test',
      auth: { kind: 'none' },
      actions: [
        {
          key: 'get',
          displayName: 'Get',
          method: 'GET',
          path: '/x',
          input: { type: 'object', properties: { id: { type: 'string', pattern: '^(?!admin)(\\w)\\1$' } } },
        },
      ],
    });
    expect(errors).toEqual([{ path: '/actions/0/input', message: expect.stringMatching(/not supported .*linear-time engine/) }]);
  });
});
