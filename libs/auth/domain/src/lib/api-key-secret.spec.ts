import { createHash } from 'node:crypto';
import { generateApiKey, hashApiKey, looksLikeApiKey } from './api-key-secret';

describe('API key secrets', () => {
  it('makes prefixed 256-bit keys, distinct every time, stored as SHA-256', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const { key, hash, prefix } = generateApiKey();
      expect(key).toMatch(/^jn_live_[A-Za-z0-9_-]{43}$/); // 32 bytes → 43 base64url chars
      expect(looksLikeApiKey(key)).toBe(true);
      expect(hash.equals(createHash('sha256').update(key).digest())).toBe(true);
      expect(hashApiKey(key).equals(hash)).toBe(true);
      expect(key.startsWith(prefix)).toBe(true);
      expect(prefix).toHaveLength(12);
      seen.add(key);
    }
    expect(seen.size).toBe(100);
  });

  it.each(['', 'jn_live_short', `jn_test_${'a'.repeat(43)}`, `jn_live_${'a'.repeat(44)}`, `jn_live_${'a'.repeat(42)}!`])('refuses %j by shape', (candidate) => {
    expect(looksLikeApiKey(candidate)).toBe(false);
  });
});
