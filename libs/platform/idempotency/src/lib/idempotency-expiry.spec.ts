import { DataSource } from 'typeorm';
import { ManualClock } from '@junction/shared/testing';
import { withEmbeddedTestDatabase } from '@junction/shared/testing/in-process';
import { CreateIdempotencyKeysTable } from './idempotency-keys.migration';
import { IDEMPOTENCY_TTL_MS, IdempotencyStore } from './idempotency.store';

class SpecIdempotencyKeys1765900000000 extends CreateIdempotencyKeysTable {
  name = 'SpecIdempotencyKeys1765900000000';
}

const HOUR = 3600_000;
const ref = (key: string, fingerprint = 'f'.repeat(64)) => ({ workspaceId: 'ws_a', keyHash: key.padEnd(64, '0'), fingerprint });

/** The 24 hours a key is kept, on a clock that moves only when the test says so. */
describe('IdempotencyStore expiry (manual clock)', () => {
  let ds: DataSource | undefined;
  // before the database's own hooks: jest runs afterAll hooks in the order declared
  afterAll(async () => {
    await ds?.destroy();
  });
  const db = withEmbeddedTestDatabase();
  const clock = new ManualClock('2026-12-07T12:00:00.000Z');
  let store: IdempotencyStore;

  beforeAll(async () => {
    ds = await new DataSource({
      type: 'postgres',
      url: await db.freshDatabase('idempotency'),
      migrations: [SpecIdempotencyKeys1765900000000],
      migrationsTableName: 'schema_migrations',
      migrationsRun: true,
    }).initialize();
    store = new IdempotencyStore(ds, clock.now);
  });

  it('keeps the 24 hours of Stripe', () => {
    expect(IDEMPOTENCY_TTL_MS).toBe(24 * HOUR);
  });

  it('replays a key for 24 hours, then treats it as new', async () => {
    expect(await store.begin(ref('a'), 60_000)).toEqual({ state: 'started' });
    expect(await store.complete(ref('a'), 'sealed-first')).toBe(true);

    clock.advance(24 * HOUR - 1);
    expect(await store.begin(ref('a'), 60_000)).toEqual({ state: 'replay', response: 'sealed-first' });
    expect(await store.begin(ref('a', 'e'.repeat(64)), 60_000)).toEqual({ state: 'mismatch' });

    clock.advance(1);
    // expired: another body under the same key starts afresh, and the first answer is gone
    expect(await store.begin(ref('a', 'e'.repeat(64)), 60_000)).toEqual({ state: 'started' });
    expect(await store.complete(ref('a', 'e'.repeat(64)), 'sealed-second')).toBe(true);
    expect(await store.begin(ref('a', 'e'.repeat(64)), 60_000)).toEqual({ state: 'replay', response: 'sealed-second' });
  });

  it('holds a key in flight for its lease, then lets the same request take it over', async () => {
    expect(await store.begin(ref('b'), 60_000)).toEqual({ state: 'started' });
    clock.advance(59_999);
    expect(await store.begin(ref('b'), 60_000)).toEqual({ state: 'in_flight' });
    clock.advance(1);
    expect(await store.begin(ref('b', 'e'.repeat(64)), 60_000)).toEqual({ state: 'mismatch' });
    expect(await store.begin(ref('b'), 60_000)).toEqual({ state: 'started' });
  });

  it('sweeps a key once its 24 hours are over, not before', async () => {
    const count = async (key: string): Promise<number> => {
      const rows = (await ds?.query(`SELECT count(*)::int AS n FROM idempotency_keys WHERE key_hash = $1`, [ref(key).keyHash])) as { n: number }[];
      return rows[0].n;
    };
    await store.begin(ref('c'), 60_000);
    await store.complete(ref('c'), 'sealed');
    clock.advance(23 * HOUR);
    await store.sweep();
    expect(await count('c')).toBe(1);
    clock.advance(HOUR);
    await store.sweep();
    expect(await count('c')).toBe(0);
  });
});
