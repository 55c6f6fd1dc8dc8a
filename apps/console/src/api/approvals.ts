import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './client';
import type { Page } from './types';

/** Who did something: an API key, a user, or a service (`service:approval-link` for a signed link). */
export interface Actor {
  type: string;
  id: string;
}

/** An approval step's request for a decision (`GET /v1/approvals`). */
export interface Approval {
  id: string;
  jobId: string;
  recipeId: string;
  stepId: string;
  stepKey: string;
  title: string;
  description?: string;
  state: 'pending' | 'decided' | 'expired' | 'cancelled';
  createdAt: string;
  expiresAt: string;
  decision?: 'approved' | 'rejected';
  comment?: string;
  decidedBy?: Actor;
  decidedAt?: string;
  /** When its job was cancelled while the approval was pending (state `cancelled`). */
  cancelledAt?: string;
}

export type ApprovalVerb = 'approve' | 'reject';

/** The list's states; `all` asks for every state (the page shows the pending ones first of all). */
export const APPROVAL_STATES = { pending: 'Pending', decided: 'Decided', expired: 'Expired', cancelled: 'Job cancelled', all: 'All' } as const;

export interface ApprovalFilters {
  state?: string;
  cursor?: string;
}

/** The list's query string: no state in the URL means pending, `all` means none sent. */
export function approvalsQuery(filters: ApprovalFilters): string {
  const query = new URLSearchParams({ limit: '50' });
  const state = filters.state ?? 'pending';
  if (state !== 'all') query.set('state', state);
  if (filters.cursor) query.set('cursor', filters.cursor);
  return query.toString();
}

const keys = {
  all: ['approvals'] as const,
  list: (filters: ApprovalFilters) => ['approvals', 'list', filters] as const,
};

export function useApprovals(filters: ApprovalFilters) {
  return useQuery({ queryKey: keys.list(filters), queryFn: () => api<Page<Approval>>('GET', `/v1/approvals?${approvalsQuery(filters)}`) });
}

/** Approves or rejects, with an optional comment; the first decision wins (a later one is the API's 409). */
export function useDecide() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, decision, comment }: { id: string; decision: ApprovalVerb; comment?: string }) =>
      api<Approval>('POST', `/v1/approvals/${encodeURIComponent(id)}/decision`, comment ? { decision, comment } : { decision }),
    // a 409 (decided elsewhere meanwhile) also refreshes the list: it shows who did
    onSettled: () => queryClient.invalidateQueries({ queryKey: keys.all }),
  });
}

/** Who decided, in words: a signed link is not a principal of the workspace. */
export function deciderName(actor: Actor | undefined): string {
  if (!actor) return '—';
  if (actor.type === 'service' && actor.id === 'approval-link') return 'a signed link';
  return `${actor.type}:${actor.id}`;
}
