import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './client';
import type { Page } from './types';

/** A connection as the API shows it: the names of the secret fields that are set, never their values. */
export interface Connection {
  id: string;
  name: string;
  connector: string;
  status: 'active' | 'needs_reauth';
  secretFields: string[];
  oauth?: OAuthSettings;
  createdAt: string;
  updatedAt: string;
}

export interface OAuthSettings {
  grant: 'authorization_code' | 'client_credentials';
  tokenUrl: string;
  authorizationUrl?: string;
  redirectUri?: string;
  scopes?: string[];
}

export interface NewConnection {
  name: string;
  connector: string;
  credentials: Record<string, string>;
  oauth?: OAuthSettings;
}

const keys = { all: ['connections'] as const };

export function useConnections() {
  return useQuery({ queryKey: keys.all, queryFn: () => api<Page<Connection>>('GET', '/v1/connections?limit=100') });
}

// The mutations' variables carry secrets: callers reset a mutation once it succeeds, so they do not linger in its state.
export function useCreateConnection() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: NewConnection) => api<Connection>('POST', '/v1/connections', body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.all }),
  });
}

export function useUpdateConnection(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { name?: string; credentials?: Record<string, string> }) => api<Connection>('PATCH', `/v1/connections/${encodeURIComponent(id)}`, body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.all }),
  });
}

export function useDeleteConnection() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<{ id: string }>('DELETE', `/v1/connections/${encodeURIComponent(id)}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.all }),
  });
}

/** The answer of `POST /v1/connections/:id/test`: the third party's verdict, 200 either way. */
export interface ConnectionTestResult {
  ok: boolean;
  detail?: string;
}

export function useTestConnection() {
  return useMutation({
    mutationFn: (id: string) => api<ConnectionTestResult>('POST', `/v1/connections/${encodeURIComponent(id)}/test`),
  });
}

/** Starts the OAuth2 authorization code flow and sends the browser to the provider. */
export async function connectOAuth(connection: Connection): Promise<void> {
  const redirectUri = connection.oauth?.redirectUri ?? '';
  const query = new URLSearchParams({ redirectUri });
  const started = await api<{ authorizationUrl: string }>('GET', `/v1/connections/${encodeURIComponent(connection.id)}/oauth/authorize?${query.toString()}`);
  // only a web address: a javascript: URL from a hostile answer must not run
  if (!/^https?:\/\//i.test(started.authorizationUrl)) throw new Error('The server answered an authorization address that is not http(s).');
  window.location.assign(started.authorizationUrl);
}
