import { secretForms } from '@junction/connector-sdk';
import { secretFormsOf } from './credential-source';
import { scrubSecrets } from './scrub';

/** Hostile tier, class 4: a third party echoes the credential back in some encoding; none of it may reach job data. */
describe('scrubSecrets against every encoding the client produced (hostile)', () => {
  const password = 'p@ss w"d/1';
  const forms = secretForms({ kind: 'basic', username: 'ann', password });

  it.each([
    ['raw', password],
    ['percent-encoded', encodeURIComponent(password)],
    ['form-encoded', new URLSearchParams({ p: password }).toString().slice(2)],
    ['JSON-escaped', JSON.stringify(password).slice(1, -1)],
    ['base64', Buffer.from(password).toString('base64')],
    ['base64url', Buffer.from(password).toString('base64url')],
    ['the Basic header value', `Basic ${Buffer.from(`ann:${password}`).toString('base64')}`],
  ])('removes the %s form from values and keys, however deep', (_name, echoed) => {
    const out = scrubSecrets({ error: `bad creds: ${echoed}`, nested: [{ [echoed]: { deeper: echoed } }] }, forms);
    const text = JSON.stringify(out);
    for (const form of forms) expect(text).not.toContain(form);
    expect(text).toContain('[redacted]');
  });

  it('scrubs a secret of one character too, in one pass (the marker is not scrubbed again)', () => {
    const out = scrubSecrets({ a: 'token=e;', b: 'redacted' }, secretForms({ kind: 'bearer', token: 'e' }));
    expect(out).toEqual({ a: 'tok[redacted]n=[redacted];', b: 'r[redacted]dact[redacted]d' });
  });

  it('scrubs every secret field of the connection, also those that are not its credentials (a signing secret beside a token), but not how-fields', () => {
    const forms = secretFormsOf({ token: 'tok_A1', signingSecret: 'whsec_B2', tokenType: 'Bearer', allowedHosts: 'api.example.com', kind: 'bearer' });
    const out = JSON.stringify(scrubSecrets({ a: 'Bearer tok_A1', b: Buffer.from('whsec_B2').toString('base64'), c: 'api.example.com' }, forms));
    expect(out).toBe(JSON.stringify({ a: 'Bearer [redacted]', b: '[redacted]', c: 'api.example.com' }));
  });

  it('drops what is nested beyond the depth it walks instead of passing it through', () => {
    let deep: unknown = 'CANARY';
    for (let i = 0; i < 40; i++) deep = { d: deep };
    expect(JSON.stringify(scrubSecrets(deep, ['CANARY']))).not.toContain('CANARY');
  });
});
