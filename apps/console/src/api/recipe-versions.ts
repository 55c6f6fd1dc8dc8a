import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './client';
import { recipeKeys } from './recipes';
import type { Recipe } from './types';

export interface RecipeVersionSummary {
  version: number;
  createdAt: string;
  /** The version a running recipe runs. */
  active: boolean;
  /** The API key or user that made it (absent for versions older than the field). */
  createdBy?: { type: string; id: string };
}

export interface RecipeVersion extends RecipeVersionSummary {
  definition: Record<string, unknown>;
}

/** What `POST /v1/recipes/:id/runs?wait=true` answers when the recipe has no respond step. */
export interface RunOutcome {
  runId?: string;
  jobId?: string;
  status?: string;
  output?: unknown;
  error?: unknown;
}

const path = (id: string) => `/v1/recipes/${encodeURIComponent(id)}`;

export const versionKeys = {
  list: (id: string) => ['recipes', id, 'versions', 'list'] as const,
  one: (id: string, version: number) => ['recipes', id, 'versions', 'one', version] as const,
};

export function useRecipeVersions(id: string, latest: number) {
  // `latest` in the key: a save (a new version) or a start refetches the list
  return useQuery({ queryKey: [...versionKeys.list(id), latest], queryFn: () => api<{ items: RecipeVersionSummary[] }>('GET', `${path(id)}/versions`) });
}

/** A version's definition; versions never change, so it is kept as long as the page lives. */
export function useRecipeVersion(id: string, version: number | undefined) {
  return useQuery({
    queryKey: versionKeys.one(id, version ?? 0),
    queryFn: () => api<RecipeVersion>('GET', `${path(id)}/versions/${version}`),
    enabled: version !== undefined,
    staleTime: Infinity,
  });
}

/** Start a given version (a rollback when it is older than the latest). */
export function useStartVersion(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (version: number) => api<Recipe>('POST', `${path(id)}/start`, { version }),
    onSuccess: async (recipe) => {
      queryClient.setQueryData(recipeKeys.one(recipe.id), recipe);
      await queryClient.invalidateQueries({ queryKey: versionKeys.list(id) });
      return queryClient.invalidateQueries({ queryKey: recipeKeys.all, exact: true });
    },
  });
}

/** Runs the recipe now with this payload and waits for its end (the API's limit is the server's). */
export function useTestRun(id: string) {
  return useMutation({
    mutationFn: (payload: unknown) => api<RunOutcome | unknown>('POST', `${path(id)}/runs?wait=true&timeoutMs=30000`, payload),
  });
}
