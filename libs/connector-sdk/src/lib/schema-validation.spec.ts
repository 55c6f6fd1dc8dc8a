import { Type } from '@sinclair/typebox';
import { validateAgainst, validateFields } from './schema-validation';

/**
 * Union failures, before and after narrowing. Before, `method: "FETCH"` gave eight lines (seven
 * "/method must be equal to constant" and "/method must match a schema in anyOf"), and a
 * `pagination` of type "cursor" without its `cursorParam` gave the failures of both alternatives:
 * "/pagination must NOT have additional properties" (the link_header branch), "/pagination/type
 * must be equal to constant", "/pagination must have required property 'cursorParam'" and
 * "/pagination must match a schema in anyOf".
 */
describe('validateAgainst: one line per problem in unions', () => {
  const Method = Type.Union(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'].map((m) => Type.Literal(m)));
  const Pagination = Type.Union([
    Type.Object({ type: Type.Literal('link_header') }, { additionalProperties: false }),
    Type.Object({ type: Type.Literal('cursor'), cursorPath: Type.String(), cursorParam: Type.String() }, { additionalProperties: false }),
  ]);
  const Input = Type.Object(
    {
      method: Method,
      pagination: Type.Optional(Pagination),
      query: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]))),
      body: Type.Optional(
        Type.Union([
          Type.Object({ json: Type.Unknown() }, { additionalProperties: false }),
          Type.Object({ form: Type.Record(Type.String(), Type.String()) }, { additionalProperties: false }),
          Type.Object({ text: Type.String(), contentType: Type.Optional(Type.String()) }, { additionalProperties: false }),
        ]),
      ),
    },
    { additionalProperties: false },
  );

  it('names the allowed values of a union of constants in one line', () => {
    expect(validateAgainst(Input, { method: 'FETCH' })).toEqual([{ path: '/method', message: 'must be one of "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"' }]);
  });

  it('reports only the alternative the tag chose, naming it', () => {
    expect(validateAgainst(Input, { method: 'GET', pagination: { type: 'cursor', cursorPath: 'next' } })).toEqual([
      { path: '/pagination', message: `must have required property 'cursorParam' (closest: an object with type: "cursor")` },
    ]);
  });

  it('names the tag field and its values when every alternative refuses the tag', () => {
    expect(validateAgainst(Input, { method: 'GET', pagination: { type: 'offset' } })).toEqual([{ path: '/pagination/type', message: 'must be one of "link_header", "cursor"' }]);
  });

  it('lists the kinds a value may be when its type fits no alternative', () => {
    expect(validateAgainst(Input, { method: 'GET', query: { page: { n: 1 } } })).toEqual([{ path: '/query/page', message: 'must be a string, a number or true or false' }]);
    // the old http.request body shape given a string: was four lines, one per alternative plus the anyOf
    expect(validateAgainst(Input, { method: 'GET', body: '{"a":1}' })).toEqual([
      { path: '/body', message: 'must be an object with json, an object with form or an object with text' },
    ]);
  });

  it('keeps one line per problem when two fields are wrong, and unrelated errors as they were', () => {
    const errors = validateAgainst(Input, { method: 'FETCH', body: { text: 7 }, extra: 1 });
    expect(errors).toEqual([
      { path: '/', message: 'must not have property "extra"' },
      { path: '/method', message: 'must be one of "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"' },
      { path: '/body/text', message: 'must be string (closest: an object with text)' },
    ]);
  });

  it('narrows unions in field validation too', () => {
    const Fields = Type.Object({ mode: Type.Union([Type.Literal('a'), Type.Literal('b')]) });
    expect(validateFields(Fields, { mode: 'c' })).toEqual([{ path: 'mode', message: 'must be one of "a", "b"' }]);
  });
});
