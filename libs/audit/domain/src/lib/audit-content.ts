import type { AuditEventPayload } from '@junction/audit/contracts';
import type { ChainedContent } from './audit-chain';

// Postgres text and jsonb cannot hold U+0000; a row that cannot be stored would be redelivered forever.
const NUL = new RegExp(String.fromCharCode(0), 'g');

function withoutNul<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return value.replace(NUL, '\uFFFD') as T;
  if (depth > 64 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => withoutNul(v, depth + 1)) as T;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [withoutNul(k), withoutNul(v, depth + 1)])) as T;
}

/**
 * The content a received event is stored (and hashed) as: timestamps in UTC with milliseconds
 * (what `timestamptz` gives back to JavaScript), absent fields as null, NUL characters replaced.
 */
export function chainedContent(event: AuditEventPayload, seq: number, recordedAt: Date): ChainedContent {
  return withoutNul({
    workspaceId: event.workspaceId,
    seq,
    id: event.id,
    at: new Date(event.at).toISOString(),
    recordedAt: recordedAt.toISOString(),
    actor: { type: event.actor.type, id: event.actor.id },
    action: event.action,
    target: { type: event.target.type, id: event.target.id },
    ip: event.ip ?? null,
    changes: event.changes ?? null,
  });
}

/**
 * When a row is recorded: the clock, but never before the workspace's previous row, so that
 * `seq` order and `recorded_at` order agree and dropping the oldest monthly partitions always
 * removes a prefix of every chain, never a row in the middle.
 */
export function nextRecordedAt(now: Date, previous: Date | undefined): Date {
  return previous && previous.getTime() > now.getTime() ? new Date(previous.getTime()) : new Date(now.getTime());
}
