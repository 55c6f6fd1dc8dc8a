import { connect, type NatsConnection } from 'nats';
import { Client } from 'pg';
import pino from 'pino';
import { ulid } from 'ulid';
import { AuditEventRecorded, AuditPublisher, AuditStream, QueryAudit, VerifyAudit, type AuditEntry, type AuditEventPayload } from '@junction/audit/contracts';
import { databaseUrl, dropDatabase } from '@junction/platform/database';
import { ServiceMetrics } from '@junction/platform/metrics';
import { JetStreamQueue, NatsMessageBus } from '@junction/platform/nats';
import { Namespace } from '@junction/platform/ports';
import { TEST_SERVERS, startServiceProcess, uniqueNamespace, waitFor, type ServiceProcess } from '@junction/shared/testing';

/**
 * The audit service as a real process: events wait in the AUDIT stream while it is down and are
 * all stored, once, when it comes back; the chain verifies, and an edit made behind the
 * database's back is named by `audit.verify.v1`.
 */
describe('audit service: durable intake, hash chain, verification', () => {
  const namespace = uniqueNamespace('e2e_audit');
  const env = { JUNCTION_NAMESPACE: namespace, NATS_URL: TEST_SERVERS.nats, REDIS_URL: TEST_SERVERS.redis, DATABASE_URL: TEST_SERVERS.postgres };
  const workspaces = ['ws_a', 'ws_b', 'ws_c', 'ws_d'];
  let audit: ServiceProcess | undefined;
  let nc: NatsConnection;
  let queue: JetStreamQueue;
  let bus: NatsMessageBus;
  let publisher: AuditPublisher;
  let db: Client;
  const published: string[] = [];

  const count = async (where = 'true', params: unknown[] = []) => Number((await db.query(`SELECT count(*) AS n FROM audit_event WHERE ${where}`, params)).rows[0].n);

  async function record(workspaceId: string, n: number): Promise<void> {
    const action = n % 2 ? 'connection.updated' : 'recipe.started';
    await publisher.record({
      workspaceId,
      actor: { type: 'api_key', id: `key_${n % 5}` },
      action,
      target: { type: action.split('.')[0], id: `obj_${n}` },
      ip: '203.0.113.9',
      changes: { n, token: 'secret-value' },
    });
  }

  async function consumerIdle(): Promise<boolean> {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.consumers.info(`${namespace.toUpperCase()}_AUDIT`, `${namespace}_audit-store`);
    return info.num_pending === 0 && info.num_ack_pending === 0;
  }

  beforeAll(async () => {
    nc = await connect({ servers: TEST_SERVERS.nats });
    const ns = new Namespace(namespace);
    const logger = pino({ level: 'silent' });
    const metrics = new ServiceMetrics('e2e');
    queue = new JetStreamQueue(nc, await nc.jetstreamManager(), nc.jetstream(), ns, logger, metrics, 1);
    bus = new NatsMessageBus(nc, ns, logger, metrics, 10_000);
    // every publish is remembered, so the test can check that exactly these ids were stored
    publisher = new AuditPublisher({
      ensureStream: (s) => queue.ensureStream(s),
      consume: (c, h, o) => queue.consume(c, h, o),
      backlog: (c, d) => queue.backlog(c, d),
      publish: async (contract, payload, options) => {
        published.push((payload as unknown as AuditEventPayload).id);
        return queue.publish(contract, payload, options);
      },
    });
    audit = await startServiceProcess('audit', env);
    db = new Client({ connectionString: databaseUrl(TEST_SERVERS.postgres, `${namespace}_audit`) });
    await db.connect();
  }, 60_000);

  afterAll(async () => {
    await audit?.stop();
    await db?.end();
    await queue?.deleteStream(AuditStream);
    await nc?.drain();
    await dropDatabase(TEST_SERVERS.postgres, `${namespace}_audit`);
  }, 60_000);

  it('stores all 1,000 events published while it was down, each once, and the duplicates of ten of them not again', async () => {
    for (let n = 0; n < 3; n++) await record('ws_a', n);
    await waitFor(async () => (await count()) === 3);

    await audit?.stop();
    audit = undefined;
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(Array.from({ length: 50 }, (_, i) => record(workspaces[(batch * 50 + i) % 4], batch * 50 + i)));
    }
    // redelivery of a stored event: the same payload again under a new Nats-Msg-Id, which JetStream does not dedupe
    const jsm = await nc.jetstreamManager();
    const stream = `${namespace.toUpperCase()}_AUDIT`;
    for (let seq = 10; seq < 20; seq++) {
      const msg = await jsm.streams.getMessage(stream, { seq });
      const again = await queue.publish(AuditEventRecorded, JSON.parse(new TextDecoder().decode(msg.data)) as AuditEventPayload, { msgId: `again-${seq}` });
      expect(again.duplicate).toBe(false);
    }
    expect((await jsm.streams.info(stream)).state.messages).toBe(1013);
    expect(await count()).toBe(3);

    audit = await startServiceProcess('audit', env);
    await waitFor(async () => (await count()) >= 1003, 60_000, 250);
    await waitFor(consumerIdle, 30_000, 250);
    expect(await count()).toBe(1003);
    const ids = (await db.query('SELECT id FROM audit_event ORDER BY id')).rows.map((r: { id: string }) => r.id);
    expect(ids).toEqual([...published].sort());
    // per workspace, seq runs 1..n without a gap or a repeat: the chain never forked
    const chains = (
      await db.query('SELECT workspace_id, count(*)::int AS n, min(seq)::int AS lo, max(seq)::int AS hi, count(DISTINCT seq)::int AS d FROM audit_event GROUP BY 1 ORDER BY 1')
    ).rows as { workspace_id: string; n: number; lo: number; hi: number; d: number }[];
    expect(chains).toEqual([
      { workspace_id: 'ws_a', n: 253, lo: 1, hi: 253, d: 253 },
      { workspace_id: 'ws_b', n: 250, lo: 1, hi: 250, d: 250 },
      { workspace_id: 'ws_c', n: 250, lo: 1, hi: 250, d: 250 },
      { workspace_id: 'ws_d', n: 250, lo: 1, hi: 250, d: 250 },
    ]);
  }, 120_000);

  it('verifies every chain over NATS', async () => {
    for (const workspaceId of workspaces) {
      const result = await bus.request(VerifyAudit, { workspaceId });
      expect(result).toEqual({ valid: true, checked: workspaceId === 'ws_a' ? 253 : 250, lastValidSeq: workspaceId === 'ws_a' ? 253 : 250, keyedRows: 0 });
    }
    expect(await bus.request(VerifyAudit, { workspaceId: 'ws_empty' })).toEqual({ valid: true, checked: 0, lastValidSeq: 0, keyedRows: 0 });
  });

  it('answers queries over NATS: pages with a cursor, filters, one workspace only, secrets redacted', async () => {
    const seen: AuditEntry[] = [];
    let cursor: string | undefined;
    do {
      const page = await bus.request(QueryAudit, { workspaceId: 'ws_b', limit: 100, cursor });
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.map((e) => e.seq)).toEqual(Array.from({ length: 250 }, (_, i) => 250 - i));
    expect(new Set(seen.map((e) => e.workspaceId))).toEqual(new Set(['ws_b']));
    expect(seen[0]).toMatchObject({ ip: '203.0.113.9', changes: { token: '[redacted]' } });
    expect(JSON.stringify(seen)).not.toContain('secret-value');

    const filtered = await bus.request(QueryAudit, { workspaceId: 'ws_b', action: 'connection.*', actor: 'api_key:key_1', limit: 500 });
    // ws_b holds n = 1 (mod 4), all odd (connection.updated); key_1 is n = 1 (mod 5): n = 1, 21, …, 981, 50 events
    expect(filtered.items).toHaveLength(50);
    expect(filtered.items.every((e) => e.action === 'connection.updated' && e.actor.id === 'key_1')).toBe(true);
    expect(filtered.nextCursor).toBeUndefined();
    await expect(bus.request(QueryAudit, { workspaceId: 'ws_b', cursor: 'bm9wZQ' })).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('refuses UPDATE and DELETE in the database itself', async () => {
    await expect(db.query(`UPDATE audit_event SET action = 'nothing.happened' WHERE workspace_id = 'ws_c'`)).rejects.toThrow(/append-only: UPDATE/);
    await expect(db.query(`DELETE FROM audit_event WHERE workspace_id = 'ws_c'`)).rejects.toThrow(/append-only: DELETE/);
    expect(await count(`workspace_id = 'ws_c' AND action <> 'nothing.happened'`)).toBe(250);
  });

  it('names the one row edited behind the trigger, and only in its workspace', async () => {
    const { rows } = await db.query(`SELECT id FROM audit_event WHERE workspace_id = 'ws_c' AND seq = 117`);
    const editedId = (rows[0] as { id: string }).id;
    await db.query('BEGIN');
    await db.query('SET LOCAL session_replication_role = replica');
    await db.query(`UPDATE audit_event SET target_id = 'someone_else' WHERE workspace_id = 'ws_c' AND seq = 117`);
    await db.query('COMMIT');

    const result = await bus.request(VerifyAudit, { workspaceId: 'ws_c' });
    expect(result).toMatchObject({ valid: false, checked: 117, lastValidSeq: 116, firstBroken: { id: editedId, seq: 117, reason: 'content_mismatch' } });
    expect(await bus.request(VerifyAudit, { workspaceId: 'ws_d' })).toMatchObject({ valid: true });
  });

  it('keeps storing after the restart, continuing each chain', async () => {
    const id = ulid();
    await queue.publish(AuditEventRecorded, {
      id,
      workspaceId: 'ws_d',
      actor: { type: 'service', id: 'e2e' },
      action: 'recipe.stopped',
      target: { type: 'recipe', id: 'r_1' },
      at: new Date().toISOString(),
    });
    await waitFor(async () => (await count('id = $1', [id])) === 1);
    expect(Number((await db.query('SELECT seq FROM audit_event WHERE id = $1', [id])).rows[0].seq)).toBe(251);
    expect(await bus.request(VerifyAudit, { workspaceId: 'ws_d' })).toEqual({ valid: true, checked: 251, lastValidSeq: 251, keyedRows: 0 });
  });

  it('drops a partition past AUDIT_RETENTION_MONTHS at start, records it, and the chain goes on from the anchor', async () => {
    await audit?.stop();
    audit = undefined;
    // a month long past, as the service would have left it: one partition, one row of ws_old
    await db.query(`CREATE TABLE audit_event_y2024m01 PARTITION OF audit_event FOR VALUES FROM ('2024-01-01T00:00:00Z') TO ('2024-02-01T00:00:00Z')`);
    const oldHash = 'a'.repeat(64);
    await db.query(
      `INSERT INTO audit_event (workspace_id, seq, id, at, recorded_at, actor_type, actor_id, action, target_type, target_id, prev_hash, hash)
       VALUES ('ws_old', 1, 'old_1', '2024-01-15Z', '2024-01-15Z', 'user', 'u', 'recipe.created', 'recipe', 'r', $1, $2)`,
      ['0'.repeat(64), oldHash],
    );
    await db.query(`INSERT INTO audit_event_key (event_id, workspace_id, seq, recorded_at) VALUES ('old_1', 'ws_old', 1, '2024-01-15Z')`);

    audit = await startServiceProcess('audit', { ...env, AUDIT_RETENTION_MONTHS: '12' });
    const partitions = (await db.query(`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit_event'::regclass`)).rows.map(
      (r: { relname: string }) => r.relname,
    );
    expect(partitions).not.toContain('audit_event_y2024m01');
    expect(partitions.length).toBeGreaterThanOrEqual(3); // this month and two ahead
    const log = (await db.query('SELECT partition_name, rows_dropped::int AS rows, workspaces, retention_months FROM audit_retention_log')).rows;
    expect(log).toEqual([{ partition_name: 'audit_event_y2024m01', rows: 1, workspaces: 1, retention_months: 12 }]);
    expect(await count()).toBe(1004); // the newer months untouched

    expect(await bus.request(VerifyAudit, { workspaceId: 'ws_old' })).toMatchObject({ valid: true, checked: 0, startsAfter: { seq: 1, hash: oldHash } });
    const id = ulid();
    await queue.publish(AuditEventRecorded, {
      id,
      workspaceId: 'ws_old',
      actor: { type: 'service', id: 'e2e' },
      action: 'recipe.stopped',
      target: { type: 'recipe', id: 'r' },
      at: new Date().toISOString(),
    });
    await waitFor(async () => (await count('id = $1', [id])) === 1);
    expect((await db.query('SELECT seq::int, prev_hash FROM audit_event WHERE id = $1', [id])).rows[0]).toEqual({ seq: 2, prev_hash: oldHash });
    expect(await bus.request(VerifyAudit, { workspaceId: 'ws_old' })).toMatchObject({ valid: true, checked: 1, lastValidSeq: 2 });
  }, 60_000);
});
