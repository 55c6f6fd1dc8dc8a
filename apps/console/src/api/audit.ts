import { useMutation, useQuery } from '@tanstack/react-query';
import { api } from './client';
import { currentKey } from './session';
import type { Page } from './types';

export interface AuditEntry {
  id: string;
  seq: number;
  actor: { type: string; id: string };
  action: string;
  target: { type: string; id: string };
  at: string;
}

export interface AuditVerification {
  valid: boolean;
  checked: number;
  lastValidSeq: number;
  firstBroken?: { seq: number; reason: string; detail: string };
}

export interface AuditFilters {
  action?: string;
  actor?: string;
  target?: string;
  cursor?: string;
}

function queryOf(filters: AuditFilters): URLSearchParams {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value) query.set(name, value);
  return query;
}

export function useAudit(filters: AuditFilters) {
  const query = queryOf(filters);
  query.set('limit', '50');
  return useQuery({ queryKey: ['audit', filters], queryFn: () => api<Page<AuditEntry>>('GET', `/v1/audit?${query.toString()}`) });
}

export function useVerifyAudit() {
  return useMutation({ mutationFn: () => api<AuditVerification>('GET', '/v1/audit/verify') });
}

/** The filtered events as NDJSON, saved as a file (fetched with the key in a header, never in a link). */
export async function exportAudit(filters: AuditFilters): Promise<void> {
  const { cursor: _cursor, ...range } = filters;
  const res = await fetch(`/v1/audit/export?${queryOf(range).toString()}`, { headers: { authorization: `Bearer ${currentKey() ?? ''}` }, credentials: 'omit' });
  if (!res.ok) throw new Error(`The export failed (HTTP ${res.status}).`);
  const url = URL.createObjectURL(await res.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = `audit-${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}.ndjson`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
