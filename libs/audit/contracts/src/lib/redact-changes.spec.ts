import { redactChanges } from './redact-changes';

describe('redactChanges', () => {
  it('redacts secret-looking keys at any depth and keeps the rest', () => {
    const out = redactChanges({
      name: 'crm',
      credentials: { apiKey: 'sk_live_123' },
      nested: { list: [{ password: 'hunter2', user: 'ann' }], clientSecret: 'cs_1', refresh_token: 'rt' },
    });
    const text = JSON.stringify(out);
    expect(text).not.toMatch(/sk_live_123|hunter2|cs_1|"rt"/);
    expect(out).toMatchObject({ name: 'crm', credentials: '[redacted]', nested: { list: [{ user: 'ann', password: '[redacted]' }] } });
  });

  it('drops prototype-polluting keys', () => {
    const out = redactChanges(JSON.parse('{"__proto__":{"x":1},"a":1}')) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['a']);
  });
});
