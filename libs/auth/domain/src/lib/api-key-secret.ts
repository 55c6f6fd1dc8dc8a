import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'jn_live_';
const KEY_RE = /^jn_live_[A-Za-z0-9_-]{43}$/;

/**
 * A new API key: `jn_live_` + 32 random bytes (256 bits) in base64url. Only its SHA-256 is
 * stored. A fast hash is enough here, unlike for passwords: with 256 bits of entropy there is
 * nothing to brute-force, so a slow KDF would only add latency to every request.
 */
export function generateApiKey(): { key: string; hash: Buffer; prefix: string } {
  const key = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, PREFIX.length + 4) };
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** Shape check before any lookup: a string that cannot be a key is refused without touching storage. */
export function looksLikeApiKey(candidate: string): boolean {
  return KEY_RE.test(candidate);
}
