import { Injectable } from '@nestjs/common';
import { AUDIT_PAGE_DEFAULT, type AuditEntry, type AuditPage, type QueryAuditRequest } from '@junction/audit/contracts';
import { AuditEventStore, type StoredAuditRow } from '@junction/audit/data-access';
import { decodeCursor, encodeCursor, parseAuditFilter } from '@junction/audit/domain';
import { RemoteError } from '@junction/platform/ports';

// NATS refuses messages over 1 MB by default: a page of large `changes` ends early instead.
const PAGE_BUDGET_BYTES = 512 * 1024;

/** Rows leave the service only as AuditEntry, through here. */
export function toAuditEntry(row: StoredAuditRow): AuditEntry {
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    seq: row.seq,
    actor: row.actor,
    action: row.action,
    target: row.target,
    ...(row.ip !== null ? { ip: row.ip } : {}),
    at: row.at,
    recordedAt: row.recordedAt,
    ...(row.changes !== null ? { changes: row.changes } : {}),
    prevHash: row.prevHash,
    hash: row.hash,
    ...(row.keyId !== null ? { keyId: row.keyId } : {}),
    ...(row.keyAnchor ? { keyAnchor: true } : {}),
  };
}

@Injectable()
export class AuditReader {
  constructor(private readonly store: AuditEventStore) {}

  async page(request: QueryAuditRequest): Promise<AuditPage> {
    const parsed = parseAuditFilter(request);
    if (!parsed.ok) throw new RemoteError('invalid_request', `${parsed.path}: ${parsed.message}`, [{ path: parsed.path, message: parsed.message }]);
    const order = request.order ?? 'desc';
    let afterSeq: number | undefined;
    if (request.cursor !== undefined) {
      const cursor = decodeCursor(request.cursor);
      if (!cursor || cursor.order !== order) {
        throw new RemoteError('invalid_request', 'cursor: not a cursor of this listing', [{ path: 'cursor', message: 'must be a nextCursor returned by this listing' }]);
      }
      afterSeq = cursor.seq;
    }
    const limit = request.limit ?? AUDIT_PAGE_DEFAULT;
    const rows = await this.store.page({ workspaceId: request.workspaceId, filter: parsed.filter, order, afterSeq, limit: limit + 1 });

    const items: AuditEntry[] = [];
    let bytes = 0;
    for (const row of rows.slice(0, limit)) {
      const entry = toAuditEntry(row);
      bytes += Buffer.byteLength(JSON.stringify(entry));
      if (items.length > 0 && bytes > PAGE_BUDGET_BYTES) break;
      items.push(entry);
    }
    const more = rows.length > items.length;
    return { items, ...(more ? { nextCursor: encodeCursor({ seq: items[items.length - 1].seq, order }) } : {}) };
  }
}
