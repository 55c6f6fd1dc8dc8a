import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { JsonSchema } from '../components/schema-fields';
import { api } from './client';

/** An action or trigger of a connector with its JSON Schemas (a trigger's input is its configuration). */
export interface Operation {
  key: string;
  displayName: string;
  description?: string;
  sensitive?: string[];
  inputSchema: Record<string, unknown>;
  outputSchema: Record<string, unknown>;
}

/** A connector of the catalog (`GET /v1/connectors`): built-in, or the workspace's own declarative one. */
export interface Connector {
  key: string;
  version: string;
  displayName: string;
  description?: string;
  authKinds: string[];
  /** For `custom` auth: the connection's fields; secrets are `writeOnly`. */
  customCredentialsSchema?: JsonSchema;
  /** Whether `POST /v1/connections/:id/test` can check a connection of it. */
  testable?: boolean;
  actions: Operation[];
  triggers: Operation[];
}

const keys = { connectors: ['connectors'] as const };

export function useConnectors() {
  return useQuery({ queryKey: keys.connectors, queryFn: () => api<{ items: Connector[] }>('GET', '/v1/connectors'), staleTime: 60_000 });
}

/** `POST /v1/connectors`: a declarative HTTP connector (a new version when the key exists). */
export function useRegisterConnector() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (definition: unknown) => api<Connector>('POST', '/v1/connectors', definition),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.connectors }),
  });
}
