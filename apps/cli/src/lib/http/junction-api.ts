import type { ConnectionRef } from '../recipes/connection-refs';
import type { RemoteRecipe } from '../recipes/recipe-plan';
import type { ApiClient } from './api-client';

const RECIPE_ID_RE = /^rcp_[0-9A-HJKMNP-TV-Z]{26}$/;

/** Every recipe of the workspace (connections as the API stores them: ids). */
export function listRecipes(api: ApiClient, query: Record<string, string> = {}): Promise<RemoteRecipe[]> {
  return api.listAll<RemoteRecipe>('/v1/recipes', 'listing recipes', query);
}

export function listConnections(api: ApiClient): Promise<(ConnectionRef & { connector: string; status: string })[]> {
  return api.listAll('/v1/connections', 'listing connections');
}

/** A recipe by id or by exact name (names are unique per workspace). */
export async function findRecipe(api: ApiClient, nameOrId: string): Promise<RemoteRecipe | undefined> {
  if (RECIPE_ID_RE.test(nameOrId)) {
    const res = await api.request<RemoteRecipe>('GET', `/v1/recipes/${nameOrId}`, `reading recipe ${nameOrId}`, { accept: [404] });
    return res.status === 404 ? undefined : res.body;
  }
  const page = await api.get<{ items: RemoteRecipe[] }>('/v1/recipes', `looking up recipe "${nameOrId}"`, { name: nameOrId, limit: 100 });
  return page.items.find((r) => r.name === nameOrId);
}

export async function createRecipe(api: ApiClient, definition: Record<string, unknown>, managedBy: string): Promise<RemoteRecipe> {
  const what = `creating recipe "${String(definition['name'])}"`;
  return (await api.request<RemoteRecipe>('POST', '/v1/recipes', what, { body: { ...definition, managedBy } })).body;
}

export async function updateRecipe(api: ApiClient, id: string, definition: Record<string, unknown>): Promise<RemoteRecipe> {
  const what = `updating recipe "${String(definition['name'])}"`;
  return (await api.request<RemoteRecipe>('PUT', `/v1/recipes/${id}`, what, { body: definition })).body;
}

export async function setRecipeState(api: ApiClient, recipe: { id: string; name: string }, to: 'start' | 'stop'): Promise<RemoteRecipe> {
  const what = `${to === 'start' ? 'starting' : 'stopping'} recipe "${recipe.name}"`;
  return (await api.request<RemoteRecipe>('POST', `/v1/recipes/${recipe.id}/${to}`, what)).body;
}
