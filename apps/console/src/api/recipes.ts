import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './client';
import type { Page, Recipe } from './types';

export const recipeKeys = {
  all: ['recipes'] as const,
  one: (id: string) => ['recipes', id] as const,
};

export function useRecipes() {
  return useQuery({ queryKey: recipeKeys.all, queryFn: () => api<Page<Recipe>>('GET', '/v1/recipes?limit=100') });
}

export function useRecipe(id: string) {
  return useQuery({ queryKey: recipeKeys.one(id), queryFn: () => api<Recipe>('GET', `/v1/recipes/${encodeURIComponent(id)}`) });
}

/** Start or stop: both answer the recipe as it now is. */
export function useRecipeSwitch() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, to }: { id: string; to: 'start' | 'stop' }) => api<Recipe>('POST', `/v1/recipes/${encodeURIComponent(id)}/${to}`),
    onSuccess: (recipe) => {
      queryClient.setQueryData(recipeKeys.one(recipe.id), recipe);
      return queryClient.invalidateQueries({ queryKey: recipeKeys.all, exact: true });
    },
  });
}

export function useSaveRecipe(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (definition: unknown) => api<Recipe>('PUT', `/v1/recipes/${encodeURIComponent(id)}`, definition),
    onSuccess: (recipe) => {
      queryClient.setQueryData(recipeKeys.one(recipe.id), recipe);
      return queryClient.invalidateQueries({ queryKey: recipeKeys.all, exact: true });
    },
  });
}

export function useCreateRecipe() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (definition: unknown) => api<Recipe>('POST', '/v1/recipes', definition),
    onSuccess: (recipe) => {
      queryClient.setQueryData(recipeKeys.one(recipe.id), recipe);
      return queryClient.invalidateQueries({ queryKey: recipeKeys.all, exact: true });
    },
  });
}
