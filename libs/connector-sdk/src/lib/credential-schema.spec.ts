import { Type } from '@sinclair/typebox';
import { credentialKindOf, customFieldsOf } from './auth';
import { defineConnector, describeConnector } from './definitions';
import { validateFields } from './schema-validation';

const fields = Type.Object(
  { host: Type.String({ minLength: 1 }), password: Type.Optional(Type.String({ writeOnly: true })), port: Type.Optional(Type.String({ pattern: '^[0-9]+$' })) },
  { additionalProperties: false },
);

describe('credential schemas of custom connections', () => {
  it('the catalog publishes a custom kind’s schema (secrets writeOnly) and whether the connector can test a connection', () => {
    const custom = describeConnector(
      defineConnector({ key: 'db', version: '1.0.0', displayName: 'DB', auth: [{ kind: 'custom', fields }], actions: [], triggers: [], test: async () => undefined }),
    );
    expect(custom.customCredentialsSchema).toMatchObject({ type: 'object', required: ['host'], properties: { password: { type: 'string', writeOnly: true } } });
    expect(custom.testable).toBe(true);
    const bearer = describeConnector(defineConnector({ key: 'api', version: '1.0.0', displayName: 'API', auth: [{ kind: 'bearer' }], actions: [], triggers: [] }));
    expect(bearer.customCredentialsSchema).toBeUndefined();
    expect(bearer.testable).toBe(false);
  });

  it('reads the kind from the fields as the vault stores them: an explicit kind wins, else the field names', () => {
    expect(credentialKindOf({ token: 't' })).toBe('bearer');
    expect(credentialKindOf({ apiKey: 'k' })).toBe('api_key');
    expect(credentialKindOf({ username: 'u', password: 'p' })).toBe('basic');
    expect(credentialKindOf({ accessToken: 'a' })).toBe('oauth2');
    expect(credentialKindOf({ host: 'h', password: 'p' })).toBe('custom');
    expect(credentialKindOf({ kind: 'custom', token: 't' })).toBe('custom');
    expect(customFieldsOf({ kind: 'custom', allowedHosts: 'a.test', host: 'h' })).toEqual({ host: 'h' });
  });

  it('names each wrong field by its own path, a missing required one too, without its value', () => {
    expect(validateFields(fields, { host: 'h', password: 'p' })).toEqual([]);
    const errors = validateFields(fields, { port: 'x-secret-x', extra: 'y' });
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: 'host', message: 'is required' },
        { path: 'extra', message: 'is not a known field' },
        { path: 'port', message: expect.stringContaining('pattern') },
      ]),
    );
    expect(JSON.stringify(errors)).not.toContain('x-secret-x');
    // the same schema arriving again as a new object (a catalog answer) gives the same answer
    expect(validateFields(JSON.parse(JSON.stringify(fields)) as object, { port: '1' })).toEqual([{ path: 'host', message: 'is required' }]);
  });
});
