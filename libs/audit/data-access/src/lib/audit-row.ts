import type { ActorType } from '@junction/audit/contracts';
import type { ChainedRow } from '@junction/audit/domain';

/** `audit_event` as the driver returns it: bigint as text, timestamptz as Date, jsonb parsed. */
export interface AuditEventRecord {
  workspace_id: string;
  seq: string;
  id: string;
  at: Date;
  recorded_at: Date;
  actor_type: string;
  actor_id: string;
  action: string;
  target_type: string;
  target_id: string;
  ip: string | null;
  changes: Record<string, unknown> | null;
  prev_hash: string;
  hash: string;
  key_id: string | null;
  key_anchor: boolean;
}

export const AUDIT_EVENT_COLUMNS = 'workspace_id, seq, id, at, recorded_at, actor_type, actor_id, action, target_type, target_id, ip, changes, prev_hash, hash, key_id, key_anchor';

/** A stored row as the chain sees it. `actor.type` is whatever was stored: verification judges it. */
export interface StoredAuditRow extends ChainedRow {
  actor: { type: ActorType; id: string };
}

export function toStoredRow(r: AuditEventRecord): StoredAuditRow {
  return {
    workspaceId: r.workspace_id,
    seq: Number(r.seq),
    id: r.id,
    at: r.at.toISOString(),
    recordedAt: r.recorded_at.toISOString(),
    actor: { type: r.actor_type as ActorType, id: r.actor_id },
    action: r.action,
    target: { type: r.target_type, id: r.target_id },
    ip: r.ip,
    changes: r.changes,
    prevHash: r.prev_hash,
    hash: r.hash,
    keyId: r.key_id,
    keyAnchor: r.key_anchor,
  };
}
