import { mayHoldNul, nulPath } from './storable-json';

describe('NUL characters, which Postgres cannot store', () => {
  it('finds one in a string or a key, at any depth, with its path', () => {
    expect(nulPath(JSON.parse('{"a":{"b":["ok","x\\u0000y"]}}'))).toBe('a.b[1]');
    expect(nulPath(JSON.parse('{"k\\u0000":1}'))).toBe('k\u0000');
    expect(nulPath('plain\u0000text')).toBe('(root)');
  });

  it('finds none in ordinary data, including an escaped backslash before u0000', () => {
    expect(nulPath({ a: [1, 'two', { c: null }], d: true })).toBeUndefined();
    expect(nulPath(JSON.parse('{"a":"\\\\u0000"}'))).toBeUndefined(); // a literal backslash, then "u0000"
  });

  it('pre-checks raw bodies: raw, JSON-escaped and form-encoded NULs', () => {
    expect(mayHoldNul(Buffer.from('{"a":"x\\u0000"}'))).toBe(true);
    expect(mayHoldNul(Buffer.from('a=%00'))).toBe(true);
    expect(mayHoldNul(Buffer.from('text\u0000'))).toBe(true);
    expect(mayHoldNul(Buffer.from('{"a":"fine \\u0041"}'))).toBe(false);
  });
});
