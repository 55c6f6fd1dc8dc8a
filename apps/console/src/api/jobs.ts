import { useEffect } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './client';
import { currentKey } from './session';
import { jobsQuery } from './job-range';
import { TERMINAL, type Job, type JobSummary, type Page, type RerunVersion, type RerunView } from './types';

export type { RerunVersion, RerunView } from './types';

export interface JobFilters {
  recipeId?: string;
  status?: string;
  /** A time range back from now (a key of JOB_RANGES): the API's `since`, computed when the page is read. */
  range?: string;
  cursor?: string;
}

export const jobKeys = {
  list: (filters: JobFilters) => ['jobs', 'list', filters] as const,
  one: (id: string) => ['jobs', id] as const,
};

export function useJobs(filters: JobFilters) {
  return useQuery({ queryKey: jobKeys.list(filters), queryFn: () => api<Page<JobSummary>>('GET', `/v1/jobs?${jobsQuery(filters).toString()}`) });
}

export function useJob(id: string) {
  return useQuery({ queryKey: jobKeys.one(id), queryFn: () => api<Job>('GET', `/v1/jobs/${encodeURIComponent(id)}`) });
}

export function useJobAction(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ action, version }: { action: 'rerun' | 'cancel'; version?: RerunVersion }) =>
      api<JobSummary & { rerun?: RerunView }>('POST', `/v1/jobs/${encodeURIComponent(id)}/${action}`, action === 'rerun' ? { version: version ?? 'ran' } : undefined),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['jobs'] }),
  });
}

/**
 * While the job runs, follow `GET /v1/jobs/:id/events` and re-read the job on each event. fetch,
 * not EventSource: the key goes in the Authorization header, never in the URL.
 */
export function useJobLive(id: string, status: string | undefined) {
  const queryClient = useQueryClient();
  const live = status !== undefined && !TERMINAL.includes(status);
  useEffect(() => {
    if (!live) return;
    const abort = new AbortController();
    const refresh = () => void queryClient.invalidateQueries({ queryKey: jobKeys.one(id) });
    void followEvents(id, abort.signal, refresh).catch(() => undefined);
    return () => abort.abort();
  }, [id, live, queryClient]);
  return live;
}

async function followEvents(id: string, signal: AbortSignal, onEvent: () => void): Promise<void> {
  const key = currentKey();
  if (!key) return;
  const res = await fetch(`/v1/jobs/${encodeURIComponent(id)}/events`, { headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' }, signal, credentials: 'omit' });
  if (!res.ok || !res.body) return;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += value;
    // an event ends with a blank line; comments (keep-alives) start with ':'
    const events = buffered.split('\n\n');
    buffered = events.pop() ?? '';
    if (events.some((e) => /^event: /m.test(e))) onEvent();
  }
  onEvent();
}

export interface BulkRerunResult {
  version: RerunVersion;
  items: { id: string; rerun?: RerunView; error?: { code?: string; message?: string } }[];
  nextCursor?: string;
}

/** `POST /v1/jobs/rerun`: a recipe's failed jobs (newest first, 50 at most per call), each on the version asked for. */
export function useBulkRerun() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { recipeId: string; version: RerunVersion; since?: string; cursor?: string }) => api<BulkRerunResult>('POST', '/v1/jobs/rerun', body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['jobs'] }),
  });
}
