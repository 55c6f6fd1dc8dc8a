import { fieldsOf } from '../components/schema-fields';
import { CREDENTIAL_SCHEMAS, editSchema, formKinds, guessKind, toConnectionBody } from './credential-schemas';

describe('credential schemas of the auth kinds', () => {
  it('marks every secret write-only', () => {
    const secrets = Object.entries(CREDENTIAL_SCHEMAS).flatMap(([kind, schema]) =>
      fieldsOf(schema)
        .filter((f) => f.kind === 'secret')
        .map((f) => `${kind}.${f.name}`),
    );
    expect(secrets).toEqual(['api_key.apiKey', 'bearer.token', 'basic.password', 'oauth2.clientSecret']);
  });

  it('offers only the kinds it has a form for (custom fields are not in the catalog)', () => {
    expect(formKinds(['custom', 'bearer', 'none'])).toEqual(['bearer', 'none']);
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
    expect(fieldsOf(editSchema('oauth2') ?? {}).map((f) => f.name)).toEqual(['clientId', 'clientSecret', 'allowedHosts']);
    expect(editSchema('oauth2')?.required).toEqual(['clientId', 'clientSecret']);
  });

  it('guesses the kind a connection uses from the names of its secret fields', () => {
    expect(guessKind(['api_key', 'basic'], ['kind', 'username', 'password'], false)).toBe('basic');
    expect(guessKind(['bearer', 'oauth2'], ['clientId', 'clientSecret'], true)).toBe('oauth2');
    expect(guessKind(['none', 'bearer'], [], false)).toBe('none');
  });
});
