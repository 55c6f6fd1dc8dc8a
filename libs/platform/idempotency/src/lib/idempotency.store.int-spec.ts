import { DataSource } from 'typeorm';
import { databaseUrl, dropDatabase, ensureDatabase } from '@junction/platform/database';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { CreateIdempotencyKeysTable } from './idempotency-keys.migration';
import { IdempotencyStore } from './idempotency.store';

class TestIdempotencyKeys1765900000000 extends CreateIdempotencyKeysTable {
  name = 'TestIdempotencyKeys1765900000000';
}

/** The owner's table on the real Postgres: every transition, races, expiry and the sweep. */
describe('IdempotencyStore (real Postgres)', () => {
  const name = uniqueNamespace('idem');
  let ds: DataSource;
  let store: IdempotencyStore;
  const ref = (key: string, fingerprint = 'f'.repeat(64), workspaceId = 'ws_a') => ({ workspaceId, keyHash: key.padEnd(64, '0'), fingerprint });

  beforeAll(async () => {
    await ensureDatabase(TEST_SERVERS.postgres, name);
    ds = await new DataSource({
      type: 'postgres',
      url: databaseUrl(TEST_SERVERS.postgres, name),
      migrations: [TestIdempotencyKeys1765900000000],
      migrationsTableName: 'schema_migrations',
      migrationsRun: true,
    }).initialize();
    store = new IdempotencyStore(ds);
  });

  afterAll(async () => {
    await ds?.destroy();
    await dropDatabase(TEST_SERVERS.postgres, name);
  });

  it('starts once, answers in flight, then replays the first response', async () => {
    expect(await store.begin(ref('a1'), 60_000)).toEqual({ state: 'started' });
    expect(await store.begin(ref('a1'), 60_000)).toEqual({ state: 'in_flight' });
    expect(await store.complete(ref('a1'), 'sealed-1')).toBe(true);
    expect(await store.begin(ref('a1'), 60_000)).toEqual({ state: 'replay', response: 'sealed-1' });
    // completing again changes nothing: the first response stays
    expect(await store.complete(ref('a1'), 'sealed-2')).toBe(false);
    expect(await store.begin(ref('a1'), 60_000)).toEqual({ state: 'replay', response: 'sealed-1' });
  });

  it('refuses another request under the same key, in flight or done', async () => {
    await store.begin(ref('b1'), 60_000);
    expect(await store.begin(ref('b1', 'e'.repeat(64)), 60_000)).toEqual({ state: 'mismatch' });
    await store.complete(ref('b1'), 'sealed');
    expect(await store.begin(ref('b1', 'e'.repeat(64)), 60_000)).toEqual({ state: 'mismatch' });
  });

  it('keeps keys per workspace', async () => {
    await store.begin(ref('c1'), 60_000);
    await store.complete(ref('c1'), 'sealed-a');
    expect(await store.begin(ref('c1', 'e'.repeat(64), 'ws_b'), 60_000)).toEqual({ state: 'started' });
    expect(await store.complete(ref('c1', 'f'.repeat(64), 'ws_b'), 'x')).toBe(false);
  });

  it('lets a failed request go: the retry runs again', async () => {
    await store.begin(ref('d1'), 60_000);
    expect(await store.release(ref('d1', 'e'.repeat(64)))).toBe(false);
    expect(await store.release(ref('d1'))).toBe(true);
    expect(await store.begin(ref('d1'), 60_000)).toEqual({ state: 'started' });
  });

  it('hands one of many racing requests the key', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => store.begin(ref('e1'), 60_000)));
    expect(answers.filter((a) => a.state === 'started')).toHaveLength(1);
    expect(answers.filter((a) => a.state === 'in_flight')).toHaveLength(7);
  });

  it('takes over a key whose holder outlived its lease, and a key past 24 h', async () => {
    await store.begin(ref('f1'), 60_000);
    await ds.query(`UPDATE idempotency_keys SET locked_until = now() - interval '1 second' WHERE key_hash = $1`, [ref('f1').keyHash]);
    expect(await store.begin(ref('f1', 'e'.repeat(64)), 60_000)).toEqual({ state: 'mismatch' });
    expect(await store.begin(ref('f1'), 60_000)).toEqual({ state: 'started' });
    await store.complete(ref('f1'), 'old');
    await ds.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key_hash = $1`, [ref('f1').keyHash]);
    expect(await store.begin(ref('f1', 'e'.repeat(64)), 60_000)).toEqual({ state: 'started' });
  });

  it('sweeps expired keys and only those', async () => {
    await store.begin(ref('g1'), 60_000);
    await store.begin(ref('g2'), 60_000);
    await ds.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key_hash = ANY($1)`, [[ref('g1').keyHash]]);
    expect(await store.sweep(1)).toBeGreaterThanOrEqual(1);
    const left: { key_hash: string }[] = await ds.query(`SELECT key_hash FROM idempotency_keys WHERE key_hash = ANY($1)`, [[ref('g1').keyHash, ref('g2').keyHash]]);
    expect(left.map((r) => r.key_hash)).toEqual([ref('g2').keyHash]);
  });
});
