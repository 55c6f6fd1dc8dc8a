import pino from 'pino';
import { DataSource } from 'typeorm';
import { ulid } from 'ulid';
import type { AuditEventPayload } from '@junction/audit/contracts';
import { AUDIT_MIGRATIONS, AuditEventStore, AuditPartitions } from '@junction/audit/data-access';
import { NO_CHAIN_KEYS, monthOf } from '@junction/audit/domain';
import { SnakeNamingStrategy, databaseUrl, dropDatabase, ensureDatabase } from '@junction/platform/database';
import { RemoteError } from '@junction/platform/ports';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { AuditMaintenance } from './audit-maintenance';
import { AuditReader } from './audit-reader';
import { AuditVerifier } from './audit-verifier';

const logger = pino({ level: 'silent' });

function event(workspaceId: string, n: number, overrides: Partial<AuditEventPayload> = {}): AuditEventPayload {
  return {
    id: ulid(),
    workspaceId,
    actor: { type: 'user', id: `u_${n % 3}` },
    action: n % 2 ? 'recipe.updated' : 'connection.created',
    target: { type: n % 2 ? 'recipe' : 'connection', id: `t_${n}` },
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    ...overrides,
  };
}

/** Reader, verifier and maintenance over a real database, with a clock the test moves. */
describe('audit feature (real Postgres)', () => {
  const name = uniqueNamespace('audit_feat');
  let ds: DataSource;
  let store: AuditEventStore;
  let partitions: AuditPartitions;
  let reader: AuditReader;
  let verifier: AuditVerifier;
  let clock = new Date();

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
    store = new AuditEventStore(ds);
    partitions = new AuditPartitions(ds);
    reader = new AuditReader(store);
    verifier = new AuditVerifier(store, NO_CHAIN_KEYS);
  });

  afterAll(async () => {
    await ds?.destroy();
    await dropDatabase(TEST_SERVERS.postgres, name);
  });

  async function append(e: AuditEventPayload, at = clock) {
    await partitions.ensureFor(at);
    return store.append(e, at);
  }

  describe('reader', () => {
    const ws = 'ws_reader';

    beforeAll(async () => {
      for (let n = 1; n <= 25; n++) await append(event(ws, n));
      await append(event('ws_reader_other', 1));
    });

    it('pages newest first with a cursor until the last page, every row once', async () => {
      const seen: number[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await reader.page({ workspaceId: ws, limit: 10, cursor });
        seen.push(...page.items.map((i) => i.seq));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3); // 25 rows at 10 a page
      expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => 25 - i));
    });

    it('filters, and the cursor carries the filter position', async () => {
      const first = await reader.page({ workspaceId: ws, action: 'connection.*', actor: 'user:u_1', limit: 2 });
      // even n (connection.created) with n % 3 = 1: 4, 10, 16, 22
      expect(first.items.map((i) => i.target.id)).toEqual(['t_22', 't_16']);
      const second = await reader.page({ workspaceId: ws, action: 'connection.*', actor: 'user:u_1', limit: 2, cursor: first.nextCursor });
      expect(second.items.map((i) => i.target.id)).toEqual(['t_10', 't_4']);
      expect(second.nextCursor).toBeUndefined();
      const range = await reader.page({ workspaceId: ws, since: '2026-01-01T00:00:05Z', until: '2026-01-01T00:00:08Z', order: 'asc' });
      expect(range.items.map((i) => i.target.id)).toEqual(['t_5', 't_6', 't_7']);
    });

    it('returns entries without null fields and with their hashes', async () => {
      const [entry] = (await reader.page({ workspaceId: ws, limit: 1 })).items;
      expect(Object.keys(entry).sort()).toEqual(['action', 'actor', 'at', 'hash', 'id', 'prevHash', 'recordedAt', 'seq', 'target', 'workspaceId']);
    });

    it('never shows another workspace', async () => {
      const page = await reader.page({ workspaceId: 'ws_reader_other' });
      expect(page.items.map((i) => i.workspaceId)).toEqual(['ws_reader_other']);
      expect((await reader.page({ workspaceId: 'ws_nobody' })).items).toEqual([]);
    });

    it.each([
      [{ cursor: 'bm90LWEtY3Vyc29y' }, 'cursor'],
      [{ since: '2026-02-01T00:00:00Z', until: '2026-01-01T00:00:00Z' }, 'until'],
    ])('refuses %j as invalid_request naming %s', async (query, path) => {
      const error = await reader.page({ workspaceId: ws, ...query }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RemoteError);
      expect(error).toMatchObject({ code: 'invalid_request', errors: [{ path }] });
    });

    it('refuses a cursor of the other direction', async () => {
      const { nextCursor } = await reader.page({ workspaceId: ws, limit: 1, order: 'asc' });
      await expect(reader.page({ workspaceId: ws, cursor: nextCursor })).rejects.toMatchObject({ code: 'invalid_request' });
    });

    it('ends a page early rather than exceed what one NATS message carries', async () => {
      const big = 'big_changes';
      for (let n = 1; n <= 6; n++) await append(event(big, n, { changes: { blob: 'x'.repeat(200_000) } }));
      const page = await reader.page({ workspaceId: big, limit: 6 });
      // 512 KiB budget: two 200 kB rows fit, a third would not
      expect(page.items).toHaveLength(2);
      expect(page.nextCursor).toBeDefined();
    });
  });

  describe('verifier', () => {
    it('reports a valid chain across several batches', async () => {
      const ws = 'ws_long';
      for (let n = 1; n <= 1001; n++) await append(event(ws, n)); // one more than a batch
      expect(await verifier.verify({ workspaceId: ws })).toEqual({ valid: true, checked: 1001, lastValidSeq: 1001, keyedRows: 0 });
    });

    it('names a deleted row by the row after it', async () => {
      const ws = 'ws_hole';
      for (let n = 1; n <= 4; n++) await append(event(ws, n));
      const runner = ds.createQueryRunner();
      await runner.connect();
      await runner.query(`ALTER TABLE ${monthOf(clock).name} DISABLE TRIGGER USER`);
      await runner.query(`DELETE FROM audit_event WHERE workspace_id = $1 AND seq = 2`, [ws]);
      await runner.query(`ALTER TABLE ${monthOf(clock).name} ENABLE TRIGGER USER`);
      await runner.release();
      const [third] = await store.walk({ workspaceId: ws }, 2, 1);
      expect(await verifier.verify({ workspaceId: ws })).toEqual({
        valid: false,
        checked: 2,
        lastValidSeq: 1,
        keyedRows: 0,
        firstBroken: { id: third.id, seq: 3, reason: 'sequence_gap', detail: 'expected seq 2, found 3' },
      });
    });

    it('names the first of the newest rows when they are deleted, though nothing points back at them', async () => {
      const ws = 'ws_tail';
      for (let n = 1; n <= 5; n++) await append(event(ws, n));
      const [fourth] = await store.walk({ workspaceId: ws }, 3, 1);
      const runner = ds.createQueryRunner();
      await runner.connect();
      await runner.query('SET session_replication_role = replica');
      await runner.query(`DELETE FROM audit_event WHERE workspace_id = $1 AND seq >= 4`, [ws]);
      await runner.query('SET session_replication_role = DEFAULT');
      await runner.release();
      expect(await verifier.verify({ workspaceId: ws })).toEqual({
        valid: false,
        checked: 3,
        lastValidSeq: 3,
        keyedRows: 0,
        firstBroken: { id: fourth.id, seq: 4, reason: 'rows_missing', detail: 'rows 4 to 5 were stored and are missing' },
      });
    });

    it('stops at its deadline', async () => {
      await expect(verifier.verify({ workspaceId: 'ws_long' }, Date.now() - 1)).rejects.toMatchObject({ code: 'unavailable' });
    });
  });

  describe('maintenance', () => {
    it('creates partitions ahead and drops those past the retention, recording each drop', async () => {
      const ws = 'ws_kept';
      const march = new Date('2026-03-15T12:00:00Z');
      const april = new Date('2026-04-15T12:00:00Z');
      for (let n = 1; n <= 3; n++) await append(event(ws, n), march);
      for (let n = 4; n <= 5; n++) await append(event(ws, n), april);
      clock = new Date('2026-10-20T08:00:00Z');
      await append(event(ws, 6));

      const maintenance = new AuditMaintenance(partitions, store, { retentionMonths: 6, maintenanceIntervalMs: 60_000 }, () => clock, logger);
      const dropped = await maintenance.run();
      // 6 months kept on 20 Oct: April..October stay, March goes
      expect(dropped.map((r) => [r.partition, r.rowsDropped, r.workspaces])).toEqual([['audit_event_y2026m03', 3, 1]]);
      const names = await partitions.list();
      expect(names).toEqual(expect.arrayContaining(['audit_event_y2026m04', 'audit_event_y2026m10', 'audit_event_y2026m11', 'audit_event_y2026m12']));
      expect(names).not.toContain('audit_event_y2026m03');
      expect(await maintenance.run()).toEqual([]); // nothing left to drop: nothing recorded twice

      const verification = await verifier.verify({ workspaceId: ws });
      expect(verification).toMatchObject({ valid: true, checked: 3, lastValidSeq: 6, startsAfter: { seq: 3 } });

      // a month later April is past the retention too
      clock = new Date('2026-11-02T00:00:00Z');
      expect((await maintenance.run()).map((r) => r.partition)).toEqual(['audit_event_y2026m04']);
      expect(await verifier.verify({ workspaceId: ws })).toMatchObject({ valid: true, checked: 1, startsAfter: { seq: 5 } });
      expect((await partitions.retentionLog()).map((r) => [r.partition, r.retentionMonths])).toEqual([
        ['audit_event_y2026m04', 6],
        ['audit_event_y2026m03', 6],
      ]);
    });

    it('keeps everything with a retention of 0', async () => {
      const before = await partitions.list();
      const maintenance = new AuditMaintenance(partitions, store, { retentionMonths: 0, maintenanceIntervalMs: 60_000 }, () => new Date('2030-01-01T00:00:00Z'), logger);
      expect(await maintenance.run()).toEqual([]);
      expect(await partitions.list()).toEqual(expect.arrayContaining(before));
    });
  });
});
