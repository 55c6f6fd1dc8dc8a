import { createHash, randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import { Client } from 'pg';
import pino from 'pino';
import { AuditPublisher, AuditStream, VerifyAudit } from '@junction/audit/contracts';
import { databaseUrl, dropDatabase } from '@junction/platform/database';
import { ServiceMetrics } from '@junction/platform/metrics';
import { JetStreamQueue, NatsMessageBus } from '@junction/platform/nats';
import { Namespace } from '@junction/platform/ports';
import { TEST_SERVERS, startServiceProcess, uniqueNamespace, waitFor, type ServiceProcess } from '@junction/shared/testing';

/** The row hash of before keys (what an attacker can recompute): SHA-256 of prevHash and the canonical content, as in audit/domain. */
function plainHash(row: Record<string, unknown>, prevHash: string): string {
  const canonical = (v: unknown): string =>
    v === null || typeof v !== 'object'
      ? JSON.stringify(v)
      : Array.isArray(v)
        ? `[${v.map(canonical).join(',')}]`
        : `{${Object.keys(v)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
            .join(',')}}`;
  return createHash('sha256').update(prevHash).update('\n').update(canonical(row)).digest('hex');
}

const COLUMNS = 'workspace_id, seq, id, at, recorded_at, actor_type, actor_id, action, target_type, target_id, ip, changes, prev_hash, hash';

/** A row as the chain hashes it. */
function contentOf(r: Record<string, unknown>, actorId = r.actor_id): Record<string, unknown> {
  return {
    workspaceId: r.workspace_id,
    seq: Number(r.seq),
    id: r.id,
    at: (r.at as Date).toISOString(),
    recordedAt: (r.recorded_at as Date).toISOString(),
    actor: { type: r.actor_type, id: actorId },
    action: r.action,
    target: { type: r.target_type, id: r.target_id },
    ip: r.ip,
    changes: r.changes,
  };
}

/**
 * Hostile tier, audit chain keying, through the running audit service: the upgrade from an unkeyed
 * chain (an existing deployment) to a keyed one continues every chain from an anchor, and someone
 * with write access to the audit database cannot rewrite keyed rows as plain SHA-256 ones.
 */
describe('hostile: the audit service keys its chain from the master keys and continues existing chains', () => {
  const namespace = uniqueNamespace('e2e_auditkey');
  const env = { JUNCTION_NAMESPACE: namespace, NATS_URL: TEST_SERVERS.nats, REDIS_URL: TEST_SERVERS.redis, DATABASE_URL: TEST_SERVERS.postgres };
  const masterKeys = `k1:${randomBytes(32).toString('base64')}`;
  let audit: ServiceProcess | undefined;
  let nc: NatsConnection;
  let queue: JetStreamQueue;
  let bus: NatsMessageBus;
  let publisher: AuditPublisher;
  let db: Client;

  const count = async () => Number((await db.query('SELECT count(*) AS n FROM audit_event')).rows[0].n);
  const record = (workspaceId: string, n: number) =>
    publisher.record({ workspaceId, actor: { type: 'user', id: `usr_${n}` }, action: 'connection.updated', target: { type: 'connection', id: `conn_${n}` }, at: new Date() });

  beforeAll(async () => {
    nc = await connect({ servers: TEST_SERVERS.nats });
    const ns = new Namespace(namespace);
    const logger = pino({ level: 'silent' });
    queue = new JetStreamQueue(nc, await nc.jetstreamManager(), nc.jetstream(), ns, logger, new ServiceMetrics('e2e'), 1);
    bus = new NatsMessageBus(nc, ns, logger, new ServiceMetrics('e2e'), 10_000);
    publisher = new AuditPublisher(queue);
  });

  afterAll(async () => {
    await audit?.stop();
    await db?.end();
    await queue?.deleteStream(AuditStream);
    await nc?.drain();
    await dropDatabase(TEST_SERVERS.postgres, `${namespace}_audit`);
  }, 60_000);

  it('refuses to start without JUNCTION_MASTER_KEYS when AUDIT_REQUIRE_CHAIN_KEY is set, naming the variable', async () => {
    const error = await startServiceProcess('audit', { ...env, AUDIT_REQUIRE_CHAIN_KEY: 'true' }).then(
      (p) => p.stop().then(() => undefined),
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/JUNCTION_MASTER_KEYS/);
  }, 60_000);

  it('without keys: unkeyed rows and a loud warning; with keys after a restart: chains continue from an anchor and verify', async () => {
    audit = await startServiceProcess('audit', env);
    expect(audit.output.join('\n')).toMatch(/AUDIT CHAIN IS NOT KEYED/);
    db = new Client({ connectionString: databaseUrl(TEST_SERVERS.postgres, `${namespace}_audit`) });
    await db.connect();
    for (let n = 1; n <= 3; n++) await record('ws_a', n);
    for (let n = 1; n <= 2; n++) await record('ws_dormant', n);
    await waitFor(async () => (await count()) === 5, 30_000, 200);
    await audit.stop();

    audit = await startServiceProcess('audit', { ...env, JUNCTION_MASTER_KEYS: masterKeys });
    // both existing chains sealed at start, the dormant one too
    expect(audit.output.join('\n')).toMatch(/unkeyed chains of 2 workspaces sealed/);
    for (let n = 4; n <= 6; n++) await record('ws_a', n);
    await waitFor(async () => (await count()) === 8, 30_000, 200);

    const rows = (await db.query(`SELECT seq, key_id, key_anchor FROM audit_event WHERE workspace_id = 'ws_a' ORDER BY seq`)).rows as {
      seq: string;
      key_id: string | null;
      key_anchor: boolean;
    }[];
    expect(rows.map((r) => [Number(r.seq), r.key_id, r.key_anchor])).toEqual([
      [1, null, false],
      [2, null, false],
      [3, null, false],
      [4, 'k1', true],
      [5, 'k1', false],
      [6, 'k1', false],
    ]);
    expect(await bus.request(VerifyAudit, { workspaceId: 'ws_a' })).toEqual({ valid: true, checked: 6, lastValidSeq: 6, keyedRows: 3, keyedFromSeq: 4 });
    expect(await bus.request(VerifyAudit, { workspaceId: 'ws_dormant' })).toEqual({ valid: true, checked: 2, lastValidSeq: 2, keyedRows: 0 });
  }, 120_000);

  it('keyed rows rewritten as unkeyed SHA-256 rows by someone with database access are named by verify', async () => {
    const all = (await db.query(`SELECT ${COLUMNS} FROM audit_event WHERE workspace_id = 'ws_a' ORDER BY seq`)).rows as Record<string, unknown>[];
    // the attacker's tool is right: it reproduces the stored hash of every unkeyed row
    for (const r of all.slice(0, 3)) expect(plainHash(contentOf(r), r.prev_hash as string)).toBe(r.hash);
    const rows = all.slice(4);
    await db.query('BEGIN');
    await db.query('SET LOCAL session_replication_role = replica');
    let prevHash = rows[0].prev_hash as string;
    for (const r of rows) {
      const content = contentOf(r, Number(r.seq) === 5 ? 'usr_innocent' : r.actor_id);
      const hash = plainHash(content, prevHash);
      await db.query(`UPDATE audit_event SET actor_id = $1, prev_hash = $2, hash = $3, key_id = NULL WHERE workspace_id = 'ws_a' AND seq = $4`, [
        (content.actor as { id: string }).id,
        prevHash,
        hash,
        content.seq,
      ]);
      prevHash = hash;
    }
    await db.query('COMMIT');
    expect(await bus.request(VerifyAudit, { workspaceId: 'ws_a' })).toMatchObject({
      valid: false,
      lastValidSeq: 4,
      firstBroken: { id: rows[0].id, seq: 5, reason: 'unkeyed_row' },
    });
  });
});
