import { canonicalJson, checkIdempotencyKey, fingerprintOf, keyHashOf, keyScopeOf } from './request-identity';
import { openResponse, sealResponse } from './sealed-response';

describe('Idempotency-Key', () => {
  it('takes 1 to 255 visible characters, once', () => {
    expect(checkIdempotencyKey(undefined)).toEqual({});
    expect(checkIdempotencyKey('a')).toEqual({ key: 'a' });
    expect(checkIdempotencyKey('k'.repeat(255))).toEqual({ key: 'k'.repeat(255) });
    expect(checkIdempotencyKey('order 42 retry')).toEqual({ key: 'order 42 retry' });
    expect(checkIdempotencyKey('')).toEqual({ problem: 'must not be empty' });
    expect(checkIdempotencyKey('k'.repeat(256))).toEqual({ problem: 'must be at most 255 characters' });
    expect(checkIdempotencyKey(['a', 'b'])).toEqual({ problem: 'must be sent once' });
    expect(checkIdempotencyKey('é')).toEqual({ problem: 'must be visible ASCII characters' });
    expect(checkIdempotencyKey('a\tb')).toEqual({ problem: 'must be visible ASCII characters' });
  });

  it('hashes a key per workspace, never to the key itself', () => {
    expect(keyHashOf('k1', 'ws_a')).toMatch(/^[0-9a-f]{64}$/);
    expect(keyHashOf('k1', 'ws_a')).toBe(keyHashOf('k1', 'ws_a'));
    expect(keyHashOf('k1', 'ws_a')).not.toBe(keyHashOf('k1', 'ws_b'));
    expect(keyHashOf('k1', 'ws_a')).not.toBe(keyHashOf('k2', 'ws_a'));
  });

  it('keeps a key per workspace and per route', () => {
    const runs = keyScopeOf('ws_a', 'post', '/v1/recipes/:id/runs');
    expect(runs).toBe(keyScopeOf('ws_a', 'POST', '/v1/recipes/:id/runs'));
    expect(keyHashOf('k1', runs)).not.toBe(keyHashOf('k1', keyScopeOf('ws_a', 'POST', '/v1/recipes')));
    expect(keyHashOf('k1', runs)).not.toBe(keyHashOf('k1', keyScopeOf('ws_b', 'POST', '/v1/recipes/:id/runs')));
  });

  it('fingerprints method, path and body, not the order of its keys', () => {
    const a = fingerprintOf('k', 'POST', '/v1/recipes', { name: 'x', steps: [{ b: 1, a: 2 }] });
    expect(fingerprintOf('k', 'post', '/v1/recipes', { steps: [{ a: 2, b: 1 }], name: 'x' })).toBe(a);
    expect(fingerprintOf('k', 'POST', '/v1/recipes', { name: 'y', steps: [{ b: 1, a: 2 }] })).not.toBe(a);
    expect(fingerprintOf('k', 'POST', '/v1/connections', { name: 'x', steps: [{ b: 1, a: 2 }] })).not.toBe(a);
    expect(fingerprintOf('k', 'POST', '/v1/recipes', { name: 'x', steps: [{ a: 2 }, { b: 1 }] })).not.toBe(a);
    expect(canonicalJson(undefined)).toBe('');
    expect(canonicalJson({ b: [1, { d: 1, c: null }], a: 'x' })).toBe('{"a":"x","b":[1,{"c":null,"d":1}]}');
  });

  it('seals a response that only the same key and workspace open', () => {
    const response = { status: 201, headers: { location: '/v1/api-keys/key_1' }, body: { key: 'jn_live_secret' } };
    const sealed = sealResponse('k1', 'ws_a', response);
    expect(sealed).not.toContain('jn_live_secret');
    expect(Buffer.from(sealed, 'base64').toString('latin1')).not.toContain('jn_live_secret');
    expect(openResponse('k1', 'ws_a', sealed)).toEqual(response);
    expect(() => openResponse('k2', 'ws_a', sealed)).toThrow();
    expect(() => openResponse('k1', 'ws_b', sealed)).toThrow();
    const tampered = Buffer.from(sealed, 'base64');
    tampered[tampered.length - 1] ^= 1;
    expect(() => openResponse('k1', 'ws_a', tampered.toString('base64'))).toThrow();
  });
});
