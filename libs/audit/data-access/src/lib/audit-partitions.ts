import type { DataSource } from 'typeorm';
import { monthOf, type MonthRange } from '@junction/audit/domain';
import { AUDIT_LOCK } from './audit-locks';

/** What one retention drop removed; the same facts are kept in `audit_retention_log`. */
export interface RetentionRecord {
  id: number;
  partition: string;
  from: Date;
  to: Date;
  rowsDropped: number;
  workspaces: number;
  retentionMonths: number;
  droppedAt: Date;
}

// Names come from MonthRange, never from input; checked again since they are spliced into DDL.
function ident(name: string): string {
  if (!/^audit_event_y\d{4}m\d{2}$/.test(name)) throw new Error(`"${name}" is not an audit partition name`);
  return name;
}

/**
 * Monthly partitions of `audit_event` by `recorded_at`: created ahead, and dropped whole when
 * older than the retention. Both run under one advisory lock, so replicas take turns.
 */
export class AuditPartitions {
  private readonly known = new Set<string>();

  constructor(private readonly dataSource: DataSource) {}

  /** Makes sure the partition holding `date` exists; remembered per process, so cheap after the first call. */
  async ensureFor(date: Date): Promise<void> {
    const month = monthOf(date);
    if (!this.known.has(month.name)) await this.ensure([month]);
  }

  async ensure(months: MonthRange[]): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock($1, 0)', [AUDIT_LOCK.partitions]);
      for (const month of months) {
        const name = ident(month.name);
        await m.query(`CREATE TABLE IF NOT EXISTS ${name} PARTITION OF audit_event FOR VALUES FROM ('${month.from.toISOString()}') TO ('${month.to.toISOString()}')`);
        // TRUNCATE of a partition does not fire its parent's statement triggers
        await m.query(`CREATE OR REPLACE TRIGGER ${name}_no_truncate BEFORE TRUNCATE ON ${name} FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`);
      }
    });
    for (const month of months) this.known.add(month.name);
  }

  /** Names of the existing partitions. */
  async list(): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit_event'::regclass ORDER BY 1`,
    )) as { name: string }[];
    return rows.map((r) => r.name);
  }

  /**
   * Drops one whole partition, in one transaction with its record: a row in the retention log,
   * and for every workspace in it the hash of its last dropped row (the anchor the remaining
   * chain starts from). Row triggers do not fire on DROP, which is why this is the only way
   * rows leave. Event ids of dropped rows are pruned too: JetStream keeps messages for far less
   * than a month, so none of them can be delivered again. Undefined if the partition is gone.
   */
  async drop(month: MonthRange, retentionMonths: number, now: Date): Promise<RetentionRecord | undefined> {
    const name = ident(month.name);
    const record = await this.dataSource.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock($1, 0)', [AUDIT_LOCK.partitions]);
      const exists = (await m.query('SELECT to_regclass($1) IS NOT NULL AS present', [name])) as { present: boolean }[];
      if (!exists[0].present) return undefined;
      const [log] = (await m.query(
        `INSERT INTO audit_retention_log (partition_name, range_from, range_to, rows_dropped, workspaces, retention_months, dropped_at)
         SELECT $1, $2, $3, count(*), count(DISTINCT workspace_id), $4, $5 FROM ${name}
         RETURNING id, rows_dropped, workspaces, dropped_at`,
        [name, month.from, month.to, retentionMonths, now],
      )) as { id: string; rows_dropped: string; workspaces: number; dropped_at: Date }[];
      await m.query(
        `INSERT INTO audit_chain_anchor (workspace_id, seq, hash, key_id, retention_id)
         SELECT DISTINCT ON (workspace_id) workspace_id, seq, hash, key_id, $1 FROM ${name} ORDER BY workspace_id, seq DESC`,
        [log.id],
      );
      await m.query(`DROP TABLE ${name}`);
      await m.query('DELETE FROM audit_event_key WHERE recorded_at < $1', [month.to]);
      return {
        id: Number(log.id),
        partition: name,
        from: month.from,
        to: month.to,
        rowsDropped: Number(log.rows_dropped),
        workspaces: log.workspaces,
        retentionMonths,
        droppedAt: log.dropped_at,
      };
    });
    this.known.delete(name);
    return record;
  }

  /** The retention log, newest first. */
  async retentionLog(limit = 100): Promise<RetentionRecord[]> {
    const rows = (await this.dataSource.query(
      `SELECT id, partition_name, range_from, range_to, rows_dropped, workspaces, retention_months, dropped_at FROM audit_retention_log ORDER BY id DESC LIMIT $1`,
      [limit],
    )) as { id: string; partition_name: string; range_from: Date; range_to: Date; rows_dropped: string; workspaces: number; retention_months: number; dropped_at: Date }[];
    return rows.map((r) => ({
      id: Number(r.id),
      partition: r.partition_name,
      from: r.range_from,
      to: r.range_to,
      rowsDropped: Number(r.rows_dropped),
      workspaces: r.workspaces,
      retentionMonths: r.retention_months,
      droppedAt: r.dropped_at,
    }));
  }
}
