import { fieldsOf } from '../components/schema-fields';
import { CREDENTIAL_SCHEMAS, credentialSchema, editSchema, formKinds, guessKind, toConnectionBody } from './credential-schemas';

describe('credential schemas of the auth kinds', () => {
  it('marks every secret write-only', () => {
    const secrets = Object.entries(CREDENTIAL_SCHEMAS).flatMap(([kind, schema]) =>
      fieldsOf(schema)
        .filter((f) => f.kind === 'secret')
        .map((f) => `${kind}.${f.name}`),
    );
    expect(secrets).toEqual(['api_key.apiKey', 'bearer.token', 'basic.password', 'oauth2.clientSecret']);
  });

  it('offers the kinds it has a form for: custom only when the catalog gives its schema', () => {
    expect(formKinds({ authKinds: ['custom', 'bearer', 'none'] })).toEqual(['bearer', 'none']);
    const schema = { type: 'object', properties: { host: { type: 'string' } } };
    expect(formKinds({ authKinds: ['custom', 'none'], customCredentialsSchema: schema })).toEqual(['custom', 'none']);
    expect(credentialSchema({ customCredentialsSchema: schema }, 'custom')).toBe(schema);
    expect(credentialSchema(undefined, 'toString')).toBeUndefined();
  });

  it('sends custom fields as strings with the kind', () => {
    expect(toConnectionBody('custom', { host: 'db.test', port: 5432, password: '' })).toEqual({ credentials: { kind: 'custom', host: 'db.test', port: '5432' } });
  });

  it('sends credentials as strings with their kind, leaving empty fields out', () => {
    expect(toConnectionBody('api_key', { apiKey: 's3cret', allowedHosts: '' })).toEqual({ credentials: { kind: 'api_key', apiKey: 's3cret' } });
    expect(toConnectionBody('none', { allowedHosts: 'http://127.0.0.1:9' })).toEqual({ credentials: { allowedHosts: 'http://127.0.0.1:9' } });
  });

  it('puts the oauth2 settings apart from the credentials, scopes as a list', () => {
    const body = toConnectionBody('oauth2', { clientId: 'id', clientSecret: 'sec', grant: 'authorization_code', tokenUrl: 'https://t', scopes: 'read  write' });
    expect(body).toEqual({
      credentials: { kind: 'oauth2', clientId: 'id', clientSecret: 'sec' },
      oauth: { grant: 'authorization_code', tokenUrl: 'https://t', scopes: ['read', 'write'] },
    });
  });

  it('edits oauth2 credentials without the settings PATCH cannot change', () => {
    expect(fieldsOf(editSchema(undefined, 'oauth2') ?? {}).map((f) => f.name)).toEqual(['clientId', 'clientSecret', 'allowedHosts']);
    expect(editSchema(undefined, 'oauth2')?.required).toEqual(['clientId', 'clientSecret']);
  });

  it('guesses the kind a connection uses from the names of its secret fields', () => {
    expect(guessKind({ authKinds: ['api_key', 'basic'] }, ['kind', 'username', 'password'], false)).toBe('basic');
    expect(guessKind({ authKinds: ['bearer', 'oauth2'] }, ['clientId', 'clientSecret'], true)).toBe('oauth2');
    expect(guessKind({ authKinds: ['none', 'bearer'] }, [], false)).toBe('none');
    const custom = { authKinds: ['none', 'bearer', 'custom'], customCredentialsSchema: { type: 'object' } };
    expect(guessKind(custom, ['kind', 'x-api-key'], false)).toBe('custom');
    expect(guessKind(custom, ['kind', 'token'], false)).toBe('bearer');
    expect(guessKind(custom, ['allowedHosts'], false)).toBe('none');
  });
});
