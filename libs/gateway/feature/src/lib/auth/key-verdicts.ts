import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CACHE, MESSAGE_BUS, RemoteError, type Cache, type MessageBus } from '@junction/platform/ports';
import { KEY_VERDICT_TTL_MS, REVOKED_VERDICT, VerifyKey, keyVerdictCacheKey, type KeyVerdict } from '@junction/auth/contracts';

const INVALID = 'invalid';

/**
 * Bearer key → verdict, asking auth over NATS and caching the answer briefly in Redis under the
 * key's SHA-256 (never the key). Auth overwrites the entry with a tombstone on revocation.
 */
@Injectable()
export class KeyVerdicts {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(CACHE) private readonly cache: Cache,
  ) {}

  /** The verdict, or undefined for a key that is unknown, expired or revoked. */
  async verify(key: string, now = Date.now()): Promise<KeyVerdict | undefined> {
    const cacheKey = keyVerdictCacheKey(createHash('sha256').update(key, 'utf8').digest('hex'));
    const cached = await this.cache.get(cacheKey);
    if (cached === REVOKED_VERDICT || cached === INVALID) return undefined;
    if (cached) {
      const verdict = JSON.parse(cached) as KeyVerdict;
      return verdict.expiresAt && Date.parse(verdict.expiresAt) <= now ? undefined : verdict;
    }
    let verdict: KeyVerdict;
    try {
      verdict = await this.bus.request(VerifyKey, { key });
    } catch (error) {
      if (error instanceof RemoteError && error.code === 'unauthenticated') {
        await this.cache.setIfAbsent(cacheKey, INVALID, KEY_VERDICT_TTL_MS);
        return undefined;
      }
      throw error;
    }
    const ttl = Math.min(KEY_VERDICT_TTL_MS, verdict.expiresAt ? Date.parse(verdict.expiresAt) - now : KEY_VERDICT_TTL_MS);
    // set-if-absent: a revocation's tombstone written meanwhile must win over this older verdict
    if (ttl > 0) await this.cache.setIfAbsent(cacheKey, JSON.stringify(verdict), ttl);
    return verdict;
  }
}
