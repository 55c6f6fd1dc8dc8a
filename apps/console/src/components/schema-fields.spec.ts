import { anyTyped, fieldsOf, initialValues, missingRequired, type JsonSchema } from './schema-fields';

const schema: JsonSchema = {
  type: 'object',
  required: ['host', 'password', 'port'],
  properties: {
    host: { type: 'string', title: 'Host', description: 'Where it runs', default: 'localhost' },
    password: { type: 'string', format: 'password', default: 'never-prefilled' },
    token: { type: 'string', writeOnly: true },
    port: { type: 'integer', minimum: 1, maximum: 65535, default: 5432 },
    tls: { type: 'boolean', default: true },
    mode: { type: ['string', 'null'], enum: ['fast', 'safe'] },
    nested: { type: 'object', properties: {} },
    list: { type: 'array' },
  },
};

describe('fieldsOf: a form from a JSON Schema', () => {
  it('maps strings, secrets (format password or writeOnly), numbers, booleans and enums, in order, with required marks', () => {
    expect(fieldsOf(schema)).toEqual([
      { name: 'host', label: 'Host', kind: 'text', required: true, description: 'Where it runs', defaultValue: 'localhost' },
      { name: 'password', label: 'password', kind: 'secret', required: true },
      { name: 'token', label: 'token', kind: 'secret', required: false },
      { name: 'port', label: 'port', kind: 'number', required: true, defaultValue: 5432, minimum: 1, maximum: 65535 },
      { name: 'tls', label: 'tls', kind: 'boolean', required: false, defaultValue: true },
      { name: 'mode', label: 'mode', kind: 'choice', required: false, choices: ['fast', 'safe'] },
    ]);
  });

  it('never pre-fills a secret from a default', () => {
    expect(initialValues(fieldsOf(schema))).toEqual({ host: 'localhost', port: 5432, tls: true });
  });

  it('names the required fields left empty, by label', () => {
    const fields = fieldsOf(schema);
    expect(missingRequired(fields, { host: '', port: 1 })).toEqual(['Host', 'password']);
    expect(missingRequired(fields, { host: 'h', password: 'p', port: 1 })).toEqual([]);
  });

  it('tells an untouched form from one typed into', () => {
    expect(anyTyped({})).toBe(false);
    expect(anyTyped({ a: '', b: undefined, c: false })).toBe(false);
    expect(anyTyped({ a: 'x' })).toBe(true);
  });
});
