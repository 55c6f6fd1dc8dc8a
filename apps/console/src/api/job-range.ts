import type { JobFilters } from './jobs';

export const JOB_RANGES: Record<string, { label: string; ms: number }> = {
  '1h': { label: 'Last hour', ms: 3_600_000 },
  '24h': { label: 'Last 24 hours', ms: 86_400_000 },
  '7d': { label: 'Last 7 days', ms: 7 * 86_400_000 },
  '30d': { label: 'Last 30 days', ms: 30 * 86_400_000 },
};

/** The list's query string; `since` is computed from the range at each call (a page read later starts its range later). */
export function jobsQuery(filters: JobFilters, now = Date.now()): URLSearchParams {
  const { range, ...rest } = filters;
  const query = new URLSearchParams({ limit: '50' });
  for (const [name, value] of Object.entries(rest)) if (value) query.set(name, value);
  const span = range ? JOB_RANGES[range] : undefined;
  if (span) query.set('since', new Date(now - span.ms).toISOString());
  return query;
}
