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

  it('copies only the path to what it redacts and never changes its input', () => {
    const rows = Array.from({ length: 1000 }, (_, n) => ({ n, sku: `s${n}` }));
    const input = { body: { rows }, headers: { authorization: 'Bearer abc', accept: 'json' }, list: [{ a: 1 }, { token: 't' }] };
    const out = redactChanges(input) as typeof input;
    expect(out.body).toBe(input.body); // nothing to redact below: the same object, not a copy
    expect(out.headers).toEqual({ authorization: '[redacted]', accept: 'json' });
    expect(out.list[0]).toBe(input.list[0]);
    expect(out.list[1]).toEqual({ token: '[redacted]' });
    expect(input.headers.authorization).toBe('Bearer abc');
    expect(input.list[1]).toEqual({ token: 't' });
    const clean = { a: [1, { b: 'x' }] };
    expect(redactChanges(clean)).toBe(clean);
  });
});
