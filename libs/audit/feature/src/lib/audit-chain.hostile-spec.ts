import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ulid } from 'ulid';
import type { AuditEventPayload } from '@junction/audit/contracts';
import { AUDIT_MIGRATIONS, AuditEventStore, AuditPartitions, type StoredAuditRow } from '@junction/audit/data-access';
import { AUDIT_CHAIN_KEY_PURPOSE, InMemoryChainKeys, NO_CHAIN_KEYS, chainHash, keyedChainHash, type ChainKeys } from '@junction/audit/domain';
import { SnakeNamingStrategy, databaseUrl, dropDatabase, ensureDatabase } from '@junction/platform/database';
import { derivedKeysFrom } from '@junction/platform/ports';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { AuditVerifier } from './audit-verifier';

const masterKey = () => randomBytes(32).toString('base64');
const K1 = `k1:${masterKey()}`;
const K2 = `k2:${masterKey()}`;
const keysOf = (spec: string): ChainKeys => new InMemoryChainKeys(derivedKeysFrom(spec, AUDIT_CHAIN_KEY_PURPOSE));

function event(workspaceId: string, n: number): AuditEventPayload {
  return {
    id: ulid(),
    workspaceId,
    actor: { type: 'user', id: `usr_${n}` },
    action: 'connection.updated',
    target: { type: 'connection', id: `conn_${n}` },
    at: new Date().toISOString(),
  };
}

/**
 * An attacker with write access to the audit database but not to the vault's master keys: edits
 * rows behind the append-only trigger and recomputes whatever the code in this repository would
 * let them recompute. Every such rewrite must be named by verification with the key.
 */
describe('hostile: keyed audit chain against someone who can write the audit database', () => {
  const name = uniqueNamespace('audit_hostile');
  let ds: DataSource;
  let partitions: AuditPartitions;
  const now = new Date();

  const storeWith = (keys: ChainKeys) => new AuditEventStore(ds, keys);
  const verifierWith = (keys: ChainKeys) => new AuditVerifier(storeWith(keys), keys);

  async function append(store: AuditEventStore, ws: string, count: number): Promise<void> {
    for (let n = 1; n <= count; n++) {
      const result = await store.append(event(ws, n), now);
      expect(result.stored).toBe(true);
    }
  }

  async function rows(ws: string): Promise<StoredAuditRow[]> {
    return storeWith(NO_CHAIN_KEYS).walk({ workspaceId: ws }, 0, 1000);
  }

  /** Runs `sql` past the append-only triggers, as a superuser can. */
  async function behindTriggers(statements: [string, unknown[]][]): Promise<void> {
    const runner = ds.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SET session_replication_role = replica');
      for (const [sql, params] of statements) await runner.query(sql, params);
    } finally {
      await runner.query('SET session_replication_role = DEFAULT');
      await runner.release();
    }
  }

  /**
   * The attacker's edit: change one row's actor, then recompute the plain SHA-256 chain from there
   * to the tail (optionally also claiming the rows are unkeyed), so that every link matches.
   * `stolenKeys`: what the same attacker could do holding the key (re-MAC instead of SHA-256).
   */
  async function editAndRechain(ws: string, seq: number, options: { stripKeys: boolean; stolenKeys?: ChainKeys }): Promise<void> {
    const all = await rows(ws);
    const statements: [string, unknown[]][] = [];
    let prevHash = all.find((r) => r.seq === seq - 1)?.hash ?? '0'.repeat(64);
    for (const row of all.filter((r) => r.seq >= seq)) {
      const edited = row.seq === seq ? { ...row, actor: { ...row.actor, id: 'usr_innocent' } } : row;
      const stolen = options.stolenKeys;
      const hash = stolen && row.keyId ? (keyedChainHash(edited, prevHash, row.keyId, row.keyAnchor, stolen) as string) : chainHash(edited, prevHash);
      statements.push([
        `UPDATE audit_event SET actor_id = $1, prev_hash = $2, hash = $3${options.stripKeys ? ', key_id = NULL, key_anchor = false' : ''} WHERE workspace_id = $4 AND seq = $5`,
        [edited.actor.id, prevHash, hash, ws, row.seq],
      ]);
      prevHash = hash;
    }
    await behindTriggers(statements);
  }

  beforeAll(async () => {
    await ensureDatabase(TEST_SERVERS.postgres, name);
    ds = await new DataSource({
      type: 'postgres',
      url: databaseUrl(TEST_SERVERS.postgres, name),
      migrations: AUDIT_MIGRATIONS,
      migrationsTableName: 'schema_migrations',
      namingStrategy: new SnakeNamingStrategy(),
    }).initialize();
    await ds.runMigrations();
    partitions = new AuditPartitions(ds);
    await partitions.ensureFor(now);
  });

  afterAll(async () => {
    await ds?.destroy();
    await dropDatabase(TEST_SERVERS.postgres, name);
  });

  it('an edited keyed row re-chained with plain SHA-256 is named; the untouched chain verifies with the key', async () => {
    const ws = 'ws_edit';
    const keys = keysOf(K1);
    await append(storeWith(keys), ws, 6);
    expect(await verifierWith(keys).verify({ workspaceId: ws })).toEqual({ valid: true, checked: 6, lastValidSeq: 6, keyedRows: 6 });
    expect((await rows(ws)).every((r) => r.keyId === 'k1' && !r.keyAnchor)).toBe(true);

    await editAndRechain(ws, 4, { stripKeys: false });
    const edited = (await rows(ws))[3];
    expect(await verifierWith(keys).verify({ workspaceId: ws })).toMatchObject({
      valid: false,
      lastValidSeq: 3,
      firstBroken: { id: edited.id, seq: 4, reason: 'content_mismatch' },
    });

    // the control: holding the key, the same rewrite would pass, so it is the key that stops it
    await editAndRechain(ws, 4, { stripKeys: false, stolenKeys: keys });
    expect(await verifierWith(keys).verify({ workspaceId: ws })).toEqual({ valid: true, checked: 6, lastValidSeq: 6, keyedRows: 6 });
  });

  it('rewriting keyed rows as unkeyed SHA-256 rows (a downgrade) is named, whether a suffix or the whole chain', async () => {
    const keys = keysOf(K1);
    await append(storeWith(keys), 'ws_down_suffix', 5);
    await editAndRechain('ws_down_suffix', 3, { stripKeys: true });
    const third = (await rows('ws_down_suffix'))[2];
    expect(await verifierWith(keys).verify({ workspaceId: 'ws_down_suffix' })).toMatchObject({
      valid: false,
      firstBroken: { id: third.id, seq: 3, reason: 'unkeyed_row' },
    });

    await append(storeWith(keys), 'ws_down_all', 4);
    await editAndRechain('ws_down_all', 1, { stripKeys: true });
    // plain SHA-256 alone would call this a valid chain; the key says it was never an unkeyed one
    expect(await verifierWith(NO_CHAIN_KEYS).verify({ workspaceId: 'ws_down_all' })).toMatchObject({ valid: true, keyedRows: 0 });
    expect(await verifierWith(keys).verify({ workspaceId: 'ws_down_all' })).toMatchObject({
      valid: false,
      firstBroken: { seq: 1, reason: 'unkeyed_row', detail: expect.stringContaining('no sealed unkeyed chain') },
    });
  });

  it('a MAC made with another key (one derived for another purpose, or another master key) does not verify', async () => {
    const ws = 'ws_other_key';
    const forged = new InMemoryChainKeys(derivedKeysFrom(K1, 'junction-other-purpose'));
    await append(storeWith(forged), ws, 3);
    expect(await verifierWith(keysOf(K1)).verify({ workspaceId: ws })).toMatchObject({ valid: false, firstBroken: { seq: 1, reason: 'content_mismatch' } });
    const unknown = keysOf(`k9:${masterKey()}`);
    await append(storeWith(unknown), 'ws_unknown_key', 2);
    expect(await verifierWith(keysOf(K1)).verify({ workspaceId: 'ws_unknown_key' })).toMatchObject({
      valid: false,
      firstBroken: { seq: 1, reason: 'unknown_key', detail: expect.stringContaining('"k9"') },
    });
  });

  it('rotation: rows under k1 and then k2 verify with both keys listed, and each row names its key', async () => {
    const ws = 'ws_rotate';
    await append(storeWith(keysOf(K1)), ws, 3);
    const both = keysOf(`${K1},${K2}`);
    await append(storeWith(both), ws, 3);
    expect((await rows(ws)).map((r) => r.keyId)).toEqual(['k1', 'k1', 'k1', 'k2', 'k2', 'k2']);
    expect(await verifierWith(both).verify({ workspaceId: ws })).toEqual({ valid: true, checked: 6, lastValidSeq: 6, keyedRows: 6 });
    // with k1 gone from the configuration its rows can no longer be checked: named, not passed
    expect(await verifierWith(keysOf(K2)).verify({ workspaceId: ws })).toMatchObject({ valid: false, firstBroken: { seq: 1, reason: 'unknown_key' } });
  });

  it('an anchor continues a pre-existing unkeyed chain, and the unkeyed rows before it are frozen by the seal', async () => {
    const ws = 'ws_legacy';
    await append(storeWith(NO_CHAIN_KEYS), ws, 4); // written before keys existed
    const legacyTail = (await rows(ws))[3];
    const keys = keysOf(K1);
    await append(storeWith(keys), ws, 3);
    const all = await rows(ws);
    expect(all.map((r) => [r.seq, r.keyId, r.keyAnchor])).toEqual([
      [1, null, false],
      [2, null, false],
      [3, null, false],
      [4, null, false],
      [5, 'k1', true],
      [6, 'k1', false],
      [7, 'k1', false],
    ]);
    expect(all[4].prevHash).toBe(legacyTail.hash);
    expect(await verifierWith(keys).verify({ workspaceId: ws })).toEqual({ valid: true, checked: 7, lastValidSeq: 7, keyedRows: 3, keyedFromSeq: 5 });

    // an edit in the unkeyed part, re-chained up to the keyed rows, cannot reach the anchor's link,
    // and even re-chained only as far as the sealed tail it no longer ends in the sealed hash
    await editAndRechain(ws, 2, { stripKeys: false });
    expect(await verifierWith(keys).verify({ workspaceId: ws })).toMatchObject({ valid: false, firstBroken: { seq: 4, reason: 'content_mismatch' } });
  });

  it('a dormant unkeyed chain is sealed at start, and a forged or deleted seal is named', async () => {
    await append(storeWith(NO_CHAIN_KEYS), 'ws_dormant', 3);
    await append(storeWith(NO_CHAIN_KEYS), 'ws_dormant_2', 2);
    const keys = keysOf(K1);
    expect(await storeWith(keys).sealLegacyChains()).toBeGreaterThanOrEqual(2);
    expect(await storeWith(keys).sealLegacyChains()).toBe(0); // once
    expect(await verifierWith(keys).verify({ workspaceId: 'ws_dormant' })).toEqual({ valid: true, checked: 3, lastValidSeq: 3, keyedRows: 0 });

    // past the seal an unkeyed row is refused, e.g. one appended by an attacker without the key
    await append(storeWith(NO_CHAIN_KEYS), 'ws_dormant', 1);
    expect(await verifierWith(keys).verify({ workspaceId: 'ws_dormant' })).toMatchObject({ valid: false, firstBroken: { seq: 4, reason: 'unkeyed_row' } });

    // a seal moved further along without the key does not verify, and then no unkeyed row is accepted
    await behindTriggers([[`UPDATE audit_legacy_seal SET seq = 4, hash = $1 WHERE workspace_id = 'ws_dormant'`, [(await rows('ws_dormant'))[3].hash]]]);
    expect(await verifierWith(keys).verify({ workspaceId: 'ws_dormant' })).toMatchObject({
      valid: false,
      firstBroken: { seq: 1, reason: 'unkeyed_row', detail: expect.stringContaining('does not verify') },
    });
    await behindTriggers([[`DELETE FROM audit_legacy_seal WHERE workspace_id = 'ws_dormant_2'`, []]]);
    expect(await verifierWith(keys).verify({ workspaceId: 'ws_dormant_2' })).toMatchObject({ valid: false, firstBroken: { seq: 1, reason: 'unkeyed_row' } });
  });

  it('a keyed chain is not continued with unkeyed rows when the key goes missing', async () => {
    const ws = 'ws_no_downgrade';
    await append(storeWith(keysOf(K1)), ws, 2);
    await expect(storeWith(NO_CHAIN_KEYS).append(event(ws, 3), now)).rejects.toThrow(/is keyed \(key "k1"\)/);
    expect(await rows(ws)).toHaveLength(2);
  });

  it('the seal and the key columns are append-only like the rows', async () => {
    const sqlError = (sql: string) =>
      ds.query(sql).then(
        () => 'no error',
        (e: Error) => e.message,
      );
    expect(await sqlError(`UPDATE audit_event SET key_id = NULL WHERE workspace_id = 'ws_edit'`)).toMatch(/append-only: UPDATE/);
    expect(await sqlError(`DELETE FROM audit_legacy_seal`)).toMatch(/append-only: DELETE/);
    expect(await sqlError(`TRUNCATE audit_legacy_seal`)).toMatch(/append-only: TRUNCATE/);
  });
});
