import { RemoteError } from '@junction/platform/ports';
import { assertCustomCredentials } from './custom-credentials';

const postgres = {
  key: 'postgres',
  authKinds: ['custom' as const],
  customCredentialsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: { host: { type: 'string' }, password: { type: 'string', writeOnly: true }, port: { type: 'string', pattern: '^[0-9]{1,5}$' } },
  },
};
const webhook = {
  key: 'webhook',
  authKinds: ['none' as const, 'custom' as const],
  customCredentialsSchema: { type: 'object', required: ['signingSecret'], properties: { signingSecret: { type: 'string', minLength: 8, writeOnly: true } } },
};

function refusal(run: () => void): RemoteError {
  try {
    run();
  } catch (error) {
    if (error instanceof RemoteError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('custom credentials against the connector’s schema', () => {
  it('accepts fitting fields, ignoring kind and allowedHosts', () => {
    expect(() => assertCustomCredentials(postgres, { kind: 'custom', host: 'db.test', password: 'pw', allowedHosts: 'db.test' })).not.toThrow();
    expect(() => assertCustomCredentials(webhook, { signingSecret: 'whsec-long-enough' })).not.toThrow();
  });

  it('refuses with a 422 naming credentials.<field>, never the value', () => {
    const error = refusal(() => assertCustomCredentials(postgres, { port: 'pw-secret-99', bogus: 'x' }));
    expect(error.code).toBe('unprocessable');
    expect(error.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'credentials.port' }), { path: 'credentials.bogus', message: 'is not a known field' }]));
    expect(`${error.message}${JSON.stringify(error.errors)}`).not.toContain('pw-secret-99');
    expect(refusal(() => assertCustomCredentials(webhook, { signingSecret: 'short' })).errors).toEqual([expect.objectContaining({ path: 'credentials.signingSecret' })]);
  });

  it('leaves alone other kinds, an empty connection where none is accepted, and connectors without a schema', () => {
    expect(() => assertCustomCredentials(webhook, { token: 'tok' })).not.toThrow();
    expect(() => assertCustomCredentials(webhook, {})).not.toThrow();
    expect(refusal(() => assertCustomCredentials(postgres, { kind: 'custom', nope: '1' })).errors).toEqual([{ path: 'credentials.nope', message: 'is not a known field' }]);
    expect(() => assertCustomCredentials({ key: 'http', authKinds: ['none'] }, { anything: 'x' })).not.toThrow();
  });
});
