import { DataSource } from 'typeorm';
import { ulid } from 'ulid';
import type { AuditEventPayload } from '@junction/audit/contracts';
import { ChainVerifier, monthOf, monthsToCreate } from '@junction/audit/domain';
import { SnakeNamingStrategy, databaseUrl, dropDatabase, ensureDatabase } from '@junction/platform/database';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { AUDIT_MIGRATIONS } from './audit-migrations';
import { AuditEventStore } from './audit-event.store';
import { AuditPartitions } from './audit-partitions';

function event(workspaceId: string, overrides: Partial<AuditEventPayload> = {}): AuditEventPayload {
  return {
    id: ulid(),
    workspaceId,
    actor: { type: 'user', id: 'u_1' },
    action: 'connection.created',
    target: { type: 'connection', id: 'c_1' },
    at: new Date().toISOString(),
    ...overrides,
  };
}

describe('audit store (real Postgres)', () => {
  const name = uniqueNamespace('audit_store');
  let ds: DataSource;
  let store: AuditEventStore;
  let partitions: AuditPartitions;
  const now = new Date();

  async function verify(workspaceId: string, start?: { seq: number; hash: string }) {
    const verifier = new ChainVerifier(start);
    let after = start?.seq ?? 0;
    for (;;) {
      const rows = await store.walk({ workspaceId }, after, 100);
      if (rows.length === 0) break;
      for (const row of rows) verifier.check(row);
      after = rows[rows.length - 1].seq;
    }
    return verifier;
  }

  async function sqlError(sql: string): Promise<string> {
    const error = await ds.query(sql).then(
      () => undefined,
      (e: Error) => e,
    );
    return error?.message ?? 'no error';
  }

  beforeAll(async () => {
    await ensureDatabase(TEST_SERVERS.postgres, name);
    ds = await new DataSource({
      type: 'postgres',
      url: databaseUrl(TEST_SERVERS.postgres, name),
      migrations: AUDIT_MIGRATIONS,
      migrationsTableName: 'schema_migrations',
      namingStrategy: new SnakeNamingStrategy(),
      extra: { max: 12 },
    }).initialize();
    await ds.runMigrations();
    store = new AuditEventStore(ds);
    partitions = new AuditPartitions(ds);
    await partitions.ensure(monthsToCreate(now, 2));
  });

  afterAll(async () => {
    await ds?.destroy();
    await dropDatabase(TEST_SERVERS.postgres, name);
  });

  it('creates this month and the next two as partitions, and is safe to run again', async () => {
    await partitions.ensure(monthsToCreate(now, 2));
    expect(await partitions.list()).toEqual(monthsToCreate(now, 2).map((m) => m.name));
  });

  it('chains a workspace from seq 1 and the chain verifies', async () => {
    const ws = 'ws_chain';
    const first = await store.append(event(ws, { changes: { name: ['a', 'b'], nested: { ü: 1.5, list: [true, null] } } }), now);
    const second = await store.append(event(ws, { ip: '10.0.0.7', at: '2026-03-01T12:00:00.123456+02:00' }), now);
    expect(first).toMatchObject({ stored: true, seq: 1 });
    expect(second).toMatchObject({ stored: true, seq: 2 });
    const rows = await store.walk({ workspaceId: ws }, 0, 10);
    expect(rows[1]).toMatchObject({ prevHash: rows[0].hash, ip: '10.0.0.7', at: '2026-03-01T10:00:00.123Z' });
    expect(rows[0].prevHash).toBe('0'.repeat(64));
    const v = await verify(ws);
    expect(v.firstBreak).toBeUndefined();
    expect(v.checked).toBe(2);
  });

  it('does not fork the chain when 60 appends of one workspace race', async () => {
    const ws = 'ws_race';
    const results = await Promise.all(Array.from({ length: 60 }, () => store.append(event(ws), now)));
    const seqs = results.map((r) => (r.stored ? r.seq : -1)).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const v = await verify(ws);
    expect(v.firstBreak).toBeUndefined();
    expect(v.checked).toBe(60);
  });

  it('stores an event id once, even when its deliveries race', async () => {
    const ws = 'ws_dupe';
    const same = event(ws);
    const results = await Promise.all(Array.from({ length: 5 }, () => store.append(same, now)));
    expect(results.filter((r) => r.stored)).toHaveLength(1);
    expect(results.filter((r) => !r.stored)).toEqual(Array.from({ length: 4 }, () => ({ stored: false, duplicateOf: { workspaceId: ws, seq: 1 } })));
    const [{ n }] = (await ds.query('SELECT count(*)::int AS n FROM audit_event WHERE id = $1', [same.id])) as { n: number }[];
    expect(n).toBe(1);
  });

  it('pages with filters, newest first or oldest first', async () => {
    const ws = 'ws_filter';
    await store.append(event(ws, { action: 'connection.created', actor: { type: 'api_key', id: 'k_1' }, target: { type: 'connection', id: 'c_9' } }), now);
    await store.append(event(ws, { action: 'connection.deleted', target: { type: 'connection', id: 'c_9' } }), now);
    await store.append(event(ws, { action: 'recipe.created', target: { type: 'recipe', id: 'r_1' }, at: '2020-01-01T00:00:00Z' }), now);
    const page = (q: Partial<Parameters<AuditEventStore['page']>[0]>) =>
      store.page({ workspaceId: ws, filter: {}, order: 'desc', limit: 10, ...q }).then((rows) => rows.map((r) => r.seq));
    expect(await page({})).toEqual([3, 2, 1]);
    expect(await page({ order: 'asc', afterSeq: 1 })).toEqual([2, 3]);
    expect(await page({ afterSeq: 3, limit: 1 })).toEqual([2]);
    expect(await page({ filter: { action: { prefix: 'connection.' } } })).toEqual([2, 1]);
    expect(await page({ filter: { action: { exact: 'connection.deleted' } } })).toEqual([2]);
    expect(await page({ filter: { actor: { type: 'api_key', id: 'k_1' } } })).toEqual([1]);
    expect(await page({ filter: { actor: { type: 'user', id: 'k_1' } } })).toEqual([]);
    expect(await page({ filter: { target: { type: 'connection', id: 'c_9' } } })).toEqual([2, 1]);
    expect(await page({ filter: { target: { type: 'recipe' } } })).toEqual([3]);
    expect(await page({ filter: { until: new Date('2021-01-01T00:00:00Z') } })).toEqual([3]);
    expect(await page({ filter: { since: new Date('2021-01-01T00:00:00Z') } })).toEqual([2, 1]);
    // another workspace sees none of it
    expect(await page({ workspaceId: 'ws_other' })).toEqual([]);
  });

  it('refuses UPDATE, DELETE and TRUNCATE on the table and on a partition', async () => {
    const partition = monthOf(now).name;
    expect(await sqlError(`UPDATE audit_event SET action = 'x.y' WHERE workspace_id = 'ws_chain'`)).toMatch(/append-only: UPDATE/);
    expect(await sqlError(`DELETE FROM audit_event WHERE workspace_id = 'ws_chain'`)).toMatch(/append-only: DELETE/);
    expect(await sqlError(`UPDATE ${partition} SET action = 'x.y'`)).toMatch(/append-only: UPDATE/);
    expect(await sqlError(`DELETE FROM ${partition}`)).toMatch(/append-only: DELETE/);
    expect(await sqlError(`TRUNCATE audit_event`)).toMatch(/append-only: TRUNCATE/);
    expect(await sqlError(`TRUNCATE ${partition}`)).toMatch(/append-only: TRUNCATE/);
    const [{ n }] = (await ds.query(`SELECT count(*)::int AS n FROM audit_event WHERE workspace_id = 'ws_chain'`)) as { n: number }[];
    expect(n).toBe(2);
  });

  it('names the edited row when one is changed behind the trigger', async () => {
    const ws = 'ws_tamper';
    for (let i = 0; i < 5; i++) await store.append(event(ws), now);
    const runner = ds.createQueryRunner();
    await runner.connect();
    try {
      // replica mode skips ordinary triggers: what someone with superuser access could do
      await runner.query('SET session_replication_role = replica');
      await runner.query(`UPDATE audit_event SET actor_id = 'u_innocent' WHERE workspace_id = $1 AND seq = 3`, [ws]);
    } finally {
      await runner.query('SET session_replication_role = DEFAULT');
      await runner.release();
    }
    const [edited] = await store.walk({ workspaceId: ws }, 2, 1);
    expect((await verify(ws)).firstBreak).toEqual({ id: edited.id, seq: 3, reason: 'content_mismatch', detail: expect.any(String) });
  });

  it('drops a whole old partition past the trigger, records it, and the chain still verifies from the anchor', async () => {
    const ws = 'ws_retention';
    const old = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 8, 10));
    await partitions.ensureFor(old);
    for (let i = 0; i < 3; i++) await store.append(event(ws), old);
    await store.append(event('ws_retention_2'), old);
    for (let i = 0; i < 2; i++) await store.append(event(ws), now);
    const month = monthOf(old);

    const record = await partitions.drop(month, 6, now);
    expect(record).toMatchObject({ partition: month.name, rowsDropped: 4, workspaces: 2, retentionMonths: 6 });
    expect(await partitions.list()).not.toContain(month.name);
    expect(await partitions.retentionLog()).toEqual([record]);
    expect(await partitions.drop(month, 6, now)).toBeUndefined(); // already gone: nothing to record

    const anchor = await store.retentionAnchor({ workspaceId: ws });
    expect(anchor).toMatchObject({ seq: 3 });
    const rows = await store.walk({ workspaceId: ws }, 0, 10);
    expect(rows.map((r) => r.seq)).toEqual([4, 5]);
    expect(rows[0].prevHash).toBe(anchor?.hash);
    expect((await verify(ws, anchor)).firstBreak).toBeUndefined();

    // a workspace whose every row was dropped goes on from its anchor, not from seq 1
    const next = await store.append(event('ws_retention_2'), now);
    expect(next).toMatchObject({ stored: true, seq: 2 });
    const anchor2 = await store.retentionAnchor({ workspaceId: 'ws_retention_2' });
    expect((await verify('ws_retention_2', anchor2)).firstBreak).toBeUndefined();
    // the record of the drop is itself append-only
    expect(await sqlError(`DELETE FROM audit_retention_log`)).toMatch(/append-only: DELETE/);
    expect(await sqlError(`UPDATE audit_chain_anchor SET seq = 1`)).toMatch(/append-only: UPDATE/);
  });
});
