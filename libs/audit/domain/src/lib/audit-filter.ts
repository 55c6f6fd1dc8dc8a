import { ACTOR_TYPES, type ActorType } from '@junction/audit/contracts';

/** The query's filters in the form the store reads them. */
export interface ParsedAuditFilter {
  actor?: { type?: ActorType; id: string };
  action?: { exact: string } | { prefix: string };
  target?: { type: string; id?: string };
  since?: Date;
  until?: Date;
}

export interface AuditFilterText {
  actor?: string;
  action?: string;
  target?: string;
  since?: string;
  until?: string;
}

export type FilterResult = { ok: true; filter: ParsedAuditFilter } | { ok: false; path: string; message: string };

/**
 * `actor=user:u_1` or `actor=u_1` (ids may hold `:` themselves, so only a known actor type
 * counts as a prefix); `action=connection.created` or `connection.*`; `target=connection` or
 * `connection:conn_1`; `since` inclusive, `until` exclusive.
 */
export function parseAuditFilter(text: AuditFilterText): FilterResult {
  const filter: ParsedAuditFilter = {};
  if (text.actor !== undefined) {
    const colon = text.actor.indexOf(':');
    const type = colon > 0 ? text.actor.slice(0, colon) : undefined;
    filter.actor = type && (ACTOR_TYPES as readonly string[]).includes(type) ? { type: type as ActorType, id: text.actor.slice(colon + 1) } : { id: text.actor };
    if (!filter.actor.id) return { ok: false, path: 'actor', message: 'actor must name an actor id' };
  }
  if (text.action !== undefined) {
    filter.action = text.action.endsWith('.*') ? { prefix: text.action.slice(0, -1) } : { exact: text.action };
  }
  if (text.target !== undefined) {
    const colon = text.target.indexOf(':');
    filter.target = colon < 0 ? { type: text.target } : { type: text.target.slice(0, colon), id: text.target.slice(colon + 1) };
  }
  if (text.since !== undefined) filter.since = new Date(text.since);
  if (text.until !== undefined) filter.until = new Date(text.until);
  for (const key of ['since', 'until'] as const) {
    const value = filter[key];
    if (value && Number.isNaN(value.getTime())) return { ok: false, path: key, message: `${key} must be a valid time` };
  }
  if (filter.since && filter.until && filter.since.getTime() >= filter.until.getTime()) {
    return { ok: false, path: 'until', message: 'until must be after since' };
  }
  return { ok: true, filter };
}
