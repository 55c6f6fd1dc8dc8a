import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('gives the same text whatever the key order, at every depth', () => {
    const a = { b: 1, a: { d: [1, { z: true, y: null }], c: 'x' } };
    const b = { a: { c: 'x', d: [1, { y: null, z: true }] }, b: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":{"c":"x","d":[1,{"y":null,"z":true}]},"b":1}');
  });

  it('leaves out undefined members, as JSON.stringify does, so stored and received content agree', () => {
    expect(canonicalJson({ a: undefined, b: 2 })).toBe('{"b":2}');
    expect(canonicalJson([undefined])).toBe('[null]');
  });

  it('escapes strings and keys like JSON', () => {
    expect(canonicalJson({ 'k"': 'line\nbreak ü' })).toBe('{"k\\"":"line\\nbreak ü"}');
  });

  it('refuses values no JSON message can carry', () => {
    expect(() => canonicalJson({ n: BigInt(1) })).toThrow(/bigint/);
  });
});
