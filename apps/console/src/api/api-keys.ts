import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './client';
import type { Page } from './types';

export const ROLES = ['admin', 'builder', 'operator', 'auditor'] as const;

export interface ApiKey {
  id: string;
  name: string;
  role: string;
  /** The first characters of the key, to recognise it; never the secret. */
  prefix: string;
  createdAt: string;
  expiresAt?: string;
  revokedAt?: string;
}

export function useApiKeys() {
  return useQuery({ queryKey: ['api-keys'], queryFn: () => api<Page<ApiKey>>('GET', '/v1/api-keys?limit=100') });
}

export function useCreateApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: string; role: string }) => api<ApiKey & { key: string }>('POST', '/v1/api-keys', body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['api-keys'] }),
  });
}

export function useRevokeApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<ApiKey>('DELETE', `/v1/api-keys/${encodeURIComponent(id)}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['api-keys'] }),
  });
}
