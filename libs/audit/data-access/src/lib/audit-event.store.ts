import type { DataSource, EntityManager } from 'typeorm';
import type { AuditEventPayload } from '@junction/audit/contracts';
import {
  GENESIS,
  NO_CHAIN_KEYS,
  chainHash,
  chainedContent,
  keyedChainHash,
  legacySealMac,
  nextRecordedAt,
  type ChainKeys,
  type ChainStart,
  type LegacySeal,
  type ParsedAuditFilter,
} from '@junction/audit/domain';
import { AUDIT_LOCK } from './audit-locks';
import { AUDIT_EVENT_COLUMNS, toStoredRow, type AuditEventRecord, type StoredAuditRow } from './audit-row';

/** Every read names its workspace: an unscoped query does not compile. */
export interface WorkspaceScope {
  workspaceId: string;
}

export interface AuditPageQuery extends WorkspaceScope {
  filter: ParsedAuditFilter;
  order: 'asc' | 'desc';
  /** Rows strictly after this seq in `order`. */
  afterSeq?: number;
  limit: number;
}

export type AppendResult = { stored: true; seq: number; hash: string } | { stored: false; duplicateOf: { workspaceId: string; seq: number } };

export interface RetentionAnchor extends ChainStart {
  keyId: string | null;
  droppedAt: Date;
}

/** A keyed chain is never continued with unkeyed rows: the append waits (and is redelivered) until the key is back. */
export class ChainKeyMissingError extends Error {
  override readonly name = 'ChainKeyMissingError';
  constructor(
    readonly workspaceId: string,
    readonly keyId: string,
  ) {
    super(`the audit chain of workspace ${workspaceId} is keyed (key "${keyId}") and no audit chain key is configured (JUNCTION_MASTER_KEYS); not appending an unkeyed row`);
  }
}

/**
 * The audit table's only writer and its readers. There is deliberately no update or delete
 * here: rows leave only with a whole partition (AuditPartitions.dropExpired).
 */
export class AuditEventStore {
  /** Without keys rows are chained with plain SHA-256, as before keyed chains existed. */
  constructor(
    private readonly dataSource: DataSource,
    private readonly keys: ChainKeys = NO_CHAIN_KEYS,
  ) {}

  /**
   * Appends one event to its workspace's chain, once per event id. Appends to one workspace are
   * serialised by a transaction-scoped advisory lock, so two at once cannot both link to the
   * same tail; other workspaces proceed in parallel. The partition for `now`'s month must
   * exist (AuditPartitions.ensureFor), created outside this transaction: creating one locks the
   * parent table exclusively, which would deadlock against other appends. With a key, the row's
   * hash is an HMAC under the newest key and names that key; the first keyed row after unkeyed
   * ones (an existing chain continued) is marked as the anchor.
   */
  append(event: AuditEventPayload, now: Date): Promise<AppendResult> {
    return this.dataSource.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [AUDIT_LOCK.chain, event.workspaceId]);
      const seen = (await m.query('SELECT workspace_id, seq FROM audit_event_key WHERE event_id = $1', [event.id])) as { workspace_id: string; seq: string }[];
      if (seen.length > 0) return { stored: false, duplicateOf: { workspaceId: seen[0].workspace_id, seq: Number(seen[0].seq) } };

      const tail = await this.tail(m, event.workspaceId);
      const content = chainedContent(event, tail.seq + 1, nextRecordedAt(now, tail.recordedAt));
      const keyId = this.keys.currentKeyId;
      if (keyId === undefined && tail.keyId) throw new ChainKeyMissingError(event.workspaceId, tail.keyId);
      const keyAnchor = keyId !== undefined && tail.seq > 0 && !tail.keyId;
      const hash = keyId === undefined ? chainHash(content, tail.hash) : keyedChainHash(content, tail.hash, keyId, keyAnchor, this.keys);
      if (hash === undefined) throw new Error(`audit chain key "${keyId}" cannot MAC`);
      if (keyId !== undefined && keyAnchor) await this.seal(m, event.workspaceId, tail, keyId);
      await m.query('INSERT INTO audit_event_key (event_id, workspace_id, seq, recorded_at) VALUES ($1, $2, $3, $4)', [
        content.id,
        content.workspaceId,
        content.seq,
        content.recordedAt,
      ]);
      await m.query(`INSERT INTO audit_event (${AUDIT_EVENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`, [
        content.workspaceId,
        content.seq,
        content.id,
        content.at,
        content.recordedAt,
        content.actor.type,
        content.actor.id,
        content.action,
        content.target.type,
        content.target.id,
        content.ip,
        content.changes === null ? null : JSON.stringify(content.changes),
        tail.hash,
        hash,
        keyId ?? null,
        keyAnchor,
      ]);
      return { stored: true, seq: content.seq, hash };
    });
  }

  /**
   * Seals the unkeyed chain of every workspace whose newest row is unkeyed (and not sealed yet),
   * each under its chain lock: run at start with keys, so that a workspace with no event since
   * keys arrived is protected too. Scans every partition once per start. Returns how many were sealed.
   */
  async sealLegacyChains(): Promise<number> {
    const keyId = this.keys.currentKeyId;
    if (keyId === undefined) return 0;
    const candidates = (await this.dataSource.query(
      `SELECT DISTINCT e.workspace_id FROM audit_event e WHERE e.key_id IS NULL AND NOT EXISTS (SELECT 1 FROM audit_legacy_seal s WHERE s.workspace_id = e.workspace_id)`,
    )) as { workspace_id: string }[];
    let sealed = 0;
    for (const { workspace_id: workspaceId } of candidates) {
      const done = await this.dataSource.transaction(async (m) => {
        await m.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [AUDIT_LOCK.chain, workspaceId]);
        const tail = await this.tail(m, workspaceId);
        return tail.seq > 0 && !tail.keyId ? this.seal(m, workspaceId, tail, keyId) : false;
      });
      if (done) sealed++;
    }
    return sealed;
  }

  /** The workspace's legacy seal, if its chain had unkeyed rows when keys arrived. */
  async legacySeal(scope: WorkspaceScope): Promise<LegacySeal | undefined> {
    const rows = (await this.dataSource.query('SELECT workspace_id, seq, hash, key_id, mac FROM audit_legacy_seal WHERE workspace_id = $1', [scope.workspaceId])) as {
      workspace_id: string;
      seq: string;
      hash: string;
      key_id: string;
      mac: string;
    }[];
    return rows[0] ? { workspaceId: rows[0].workspace_id, seq: Number(rows[0].seq), hash: rows[0].hash, keyId: rows[0].key_id, mac: rows[0].mac } : undefined;
  }

  /** Under the workspace's chain lock: records its unkeyed tail, MACed, unless sealed already. */
  private async seal(m: EntityManager, workspaceId: string, tail: ChainStart, keyId: string): Promise<boolean> {
    const mac = legacySealMac({ workspaceId, seq: tail.seq, hash: tail.hash, keyId }, this.keys);
    if (mac === undefined) throw new Error(`audit chain key "${keyId}" cannot MAC`);
    const inserted = (await m.query(
      'INSERT INTO audit_legacy_seal (workspace_id, seq, hash, key_id, mac, sealed_at) VALUES ($1, $2, $3, $4, $5, now()) ON CONFLICT (workspace_id) DO NOTHING RETURNING seq',
      [workspaceId, tail.seq, tail.hash, keyId, mac],
    )) as unknown[];
    return inserted.length > 0;
  }

  /** One page of a workspace's log, filtered, in seq order. */
  async page(query: AuditPageQuery): Promise<StoredAuditRow[]> {
    const where = ['workspace_id = $1'];
    const params: unknown[] = [query.workspaceId];
    const add = (sql: string, value: unknown) => where.push(sql.replace('?', `$${params.push(value)}`));
    const { actor, action, target, since, until } = query.filter;
    if (query.afterSeq !== undefined) add(query.order === 'asc' ? 'seq > ?' : 'seq < ?', query.afterSeq);
    if (actor) add('actor_id = ?', actor.id);
    if (actor?.type) add('actor_type = ?', actor.type);
    if (action && 'exact' in action) add('action = ?', action.exact);
    if (action && 'prefix' in action) add('starts_with(action, ?)', action.prefix);
    if (target) add('target_type = ?', target.type);
    if (target?.id !== undefined) add('target_id = ?', target.id);
    if (since) add('at >= ?', since);
    if (until) add('at < ?', until);
    const rows = (await this.dataSource.query(
      `SELECT ${AUDIT_EVENT_COLUMNS} FROM audit_event WHERE ${where.join(' AND ')} ORDER BY seq ${query.order === 'asc' ? 'ASC' : 'DESC'} LIMIT $${params.push(query.limit)}`,
      params,
    )) as AuditEventRecord[];
    return rows.map(toStoredRow);
  }

  /** The next `batch` rows of the chain after `afterSeq`, oldest first. */
  async walk(scope: WorkspaceScope, afterSeq: number, batch: number): Promise<StoredAuditRow[]> {
    const rows = (await this.dataSource.query(`SELECT ${AUDIT_EVENT_COLUMNS} FROM audit_event WHERE workspace_id = $1 AND seq > $2 ORDER BY seq ASC LIMIT $3`, [
      scope.workspaceId,
      afterSeq,
      batch,
    ])) as AuditEventRecord[];
    return rows.map(toStoredRow);
  }

  /**
   * The newest row the id index says was stored for the workspace: every append writes both in
   * one transaction, so a row missing from `audit_event` but listed here was deleted.
   */
  async lastStored(scope: WorkspaceScope): Promise<{ id: string; seq: number } | undefined> {
    const rows = (await this.dataSource.query('SELECT event_id, seq FROM audit_event_key WHERE workspace_id = $1 ORDER BY seq DESC LIMIT 1', [scope.workspaceId])) as {
      event_id: string;
      seq: string;
    }[];
    return rows[0] ? { id: rows[0].event_id, seq: Number(rows[0].seq) } : undefined;
  }

  /** The id of the row stored with `seq`, from the id index (it outlives a deleted row). */
  async storedId(scope: WorkspaceScope, seq: number): Promise<string | undefined> {
    const rows = (await this.dataSource.query('SELECT event_id FROM audit_event_key WHERE workspace_id = $1 AND seq = $2', [scope.workspaceId, seq])) as {
      event_id: string;
    }[];
    return rows[0]?.event_id;
  }

  /** The last row retention removed from this workspace's chain, if any: where the chain now starts. */
  async retentionAnchor(scope: WorkspaceScope, m: Pick<EntityManager, 'query'> = this.dataSource): Promise<RetentionAnchor | undefined> {
    const rows = (await m.query(
      `SELECT a.seq, a.hash, a.key_id, l.dropped_at FROM audit_chain_anchor a JOIN audit_retention_log l ON l.id = a.retention_id
       WHERE a.workspace_id = $1 ORDER BY a.seq DESC LIMIT 1`,
      [scope.workspaceId],
    )) as { seq: string; hash: string; key_id: string | null; dropped_at: Date }[];
    // anchors recorded before keyed chains existed have no key id, rightly: those rows were unkeyed
    return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash, keyId: rows[0].key_id, droppedAt: rows[0].dropped_at } : undefined;
  }

  private async tail(m: EntityManager, workspaceId: string): Promise<ChainStart & { recordedAt?: Date }> {
    // recorded_at grows with seq within a workspace, so the newest partition holding the
    // workspace answers and older ones are not read
    const rows = (await m.query('SELECT seq, hash, key_id, recorded_at FROM audit_event WHERE workspace_id = $1 ORDER BY recorded_at DESC, seq DESC LIMIT 1', [workspaceId])) as {
      seq: string;
      hash: string;
      key_id: string | null;
      recorded_at: Date;
    }[];
    if (rows[0]) return { seq: Number(rows[0].seq), hash: rows[0].hash, keyId: rows[0].key_id, recordedAt: rows[0].recorded_at };
    // a separate statement on purpose: it sees anchors committed while the one above waited
    return (await this.retentionAnchor({ workspaceId }, m)) ?? GENESIS;
  }
}
