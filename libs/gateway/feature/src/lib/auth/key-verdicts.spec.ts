import { createHash } from 'node:crypto';
import { KEY_VERDICT_TTL_MS, REVOKED_VERDICT, VerifyKey, keyVerdictCacheKey, type KeyVerdict } from '@junction/auth/contracts';
import { RemoteError } from '@junction/platform/ports';
import { ManualClock, aWorkspaceId, anApiKeyId } from '@junction/shared/testing';
import { inProcessPorts } from '@junction/shared/testing/in-process';
import { KeyVerdicts } from './key-verdicts';

/** Auth's VerifyKey on the in-process bus, answering from a table the test fills, counting the questions. */
async function setUp() {
  const clock = new ManualClock('2026-05-01T12:00:00Z');
  const { bus, busFor, cache } = inProcessPorts({ clock });
  const known = new Map<string, KeyVerdict>();
  const asked: string[] = [];
  await busFor().serve(VerifyKey, async ({ key }) => {
    asked.push(key);
    const verdict = known.get(key);
    if (!verdict) throw new RemoteError('unauthenticated', 'unknown key');
    return verdict;
  });
  const verdicts = new KeyVerdicts(bus, cache);
  const verify = (key: string) => verdicts.verify(key, clock.millis());
  const cacheKeyOf = (key: string) => keyVerdictCacheKey(createHash('sha256').update(key).digest('hex'));
  return { clock, cache, known, asked, verify, cacheKeyOf };
}

describe('KeyVerdicts (in-process bus and cache, manual clock)', () => {
  it('asks auth once, then answers from the cache until the verdict’s time in it runs out', async () => {
    const { clock, known, asked, verify } = await setUp();
    const verdict: KeyVerdict = { workspaceId: aWorkspaceId(), keyId: anApiKeyId(), role: 'operator' };
    known.set('jk_live_one', verdict);
    expect(await verify('jk_live_one')).toEqual(verdict);
    clock.advance(KEY_VERDICT_TTL_MS - 1);
    expect(await verify('jk_live_one')).toEqual(verdict);
    expect(asked).toHaveLength(1);
    clock.advance(1);
    expect(await verify('jk_live_one')).toEqual(verdict);
    expect(asked).toHaveLength(2);
  });

  it('caches a key about to expire only until it expires, and refuses it after', async () => {
    const { clock, known, asked, verify } = await setUp();
    const expiresAt = new Date(clock.millis() + 5000).toISOString();
    known.set('jk_short', { workspaceId: aWorkspaceId(), keyId: anApiKeyId(), role: 'admin', expiresAt });
    expect(await verify('jk_short')).toMatchObject({ expiresAt });
    clock.advance(5000);
    known.delete('jk_short'); // auth too calls it unknown now
    expect(await verify('jk_short')).toBeUndefined();
    expect(asked).toEqual(['jk_short', 'jk_short']);
  });

  it('remembers an unknown key briefly, and a revocation’s tombstone wins over a verdict cached before it', async () => {
    const { clock, cache, known, asked, verify, cacheKeyOf } = await setUp();
    expect(await verify('jk_guess')).toBeUndefined();
    expect(await verify('jk_guess')).toBeUndefined();
    expect(asked).toEqual(['jk_guess']); // the second guess did not reach auth

    known.set('jk_revoked', { workspaceId: aWorkspaceId(), keyId: anApiKeyId(), role: 'builder' });
    expect(await verify('jk_revoked')).toBeDefined();
    await cache.set(cacheKeyOf('jk_revoked'), REVOKED_VERDICT, KEY_VERDICT_TTL_MS * 2); // what auth writes on revocation
    expect(await verify('jk_revoked')).toBeUndefined();
    clock.advance(KEY_VERDICT_TTL_MS);
    expect(await verify('jk_revoked')).toBeUndefined(); // still the tombstone, auth not asked again
    expect(asked.filter((k) => k === 'jk_revoked')).toHaveLength(1);
  });
});
