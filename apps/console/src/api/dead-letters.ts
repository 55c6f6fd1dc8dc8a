import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './client';
import type { Page } from './types';

/** A trigger event that could not become a job (`GET /v1/dead-letters`). */
export interface DeadLetter {
  id: string;
  recipeId?: string;
  source: 'trigger' | 'schedule' | 'poll';
  reason: 'invalid' | 'max_deliveries';
  detail: string;
  deliveryCount: number;
  createdAt: string;
  state: 'dead' | 'redriven';
  redrivenAt?: string;
  jobId?: string;
  /** Only on `GET /v1/dead-letters/:id`: the event as received, secrets redacted. */
  event?: unknown;
}

export const DEAD_LETTER_REASONS = { invalid: 'Invalid event', max_deliveries: 'Every delivery failed' } as const;
export const DEAD_LETTER_STATES = { dead: 'Not redriven', redriven: 'Redriven' } as const;

export interface DeadLetterFilters {
  recipeId?: string;
  reason?: string;
  state?: string;
  cursor?: string;
}

/** One letter's redrive: the job it made (or found), or why not (`{ code, message }`). */
export interface RedriveOutcome {
  id: string;
  jobId?: string;
  outcome?: 'created' | 'duplicate';
  error?: { code?: string; message?: string };
}

const keys = {
  list: (filters: DeadLetterFilters) => ['dead-letters', 'list', filters] as const,
  one: (id: string) => ['dead-letters', id] as const,
};

export function deadLettersQuery(filters: DeadLetterFilters): string {
  const query = new URLSearchParams({ limit: '50' });
  for (const [name, value] of Object.entries(filters)) if (value) query.set(name, value);
  return query.toString();
}

export function useDeadLetters(filters: DeadLetterFilters) {
  return useQuery({ queryKey: keys.list(filters), queryFn: () => api<Page<DeadLetter>>('GET', `/v1/dead-letters?${deadLettersQuery(filters)}`) });
}

/** The letter with its event, read when a person opens it. */
export function useDeadLetter(id: string, enabled: boolean) {
  return useQuery({ queryKey: keys.one(id), queryFn: () => api<DeadLetter>('GET', `/v1/dead-letters/${encodeURIComponent(id)}`), enabled });
}

export function useRedrive() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (ids: string[]) => api<{ items: RedriveOutcome[] }>('POST', '/v1/dead-letters/redrive', { ids }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['dead-letters'] }),
  });
}
