import type { ApiClient } from '../http/api-client';
import { createRecipe, listConnections, listRecipes, setRecipeState, updateRecipe } from '../http/junction-api';
import { progress } from '../output/progress';
import { loadRecipeDir } from './recipe-dir';
import { computePlan, type Plan, type PlanItem, type PlanOptions, type RemoteRecipe } from './recipe-plan';

/** The marker apply puts on the recipes it creates; `--prune` touches only recipes carrying it. */
export const DEFAULT_MARKER = 'junction-cli';

/** Reads the directory (all files valid, or nothing) and the workspace, and compares them. */
export async function planDirectory(api: ApiClient, dir: string, options: PlanOptions): Promise<Plan> {
  const files = await loadRecipeDir(dir);
  const [remote, connections] = await Promise.all([listRecipes(api), listConnections(api)]);
  return computePlan(files, remote, connections, options);
}

async function applyItem(api: ApiClient, item: PlanItem, marker: string): Promise<void> {
  let recipe: Pick<RemoteRecipe, 'id' | 'name'> | undefined = item.remote;
  for (const change of item.changes) {
    switch (change) {
      case 'create':
        recipe = await createRecipe(api, item.body ?? {}, marker);
        break;
      case 'new version':
        recipe = await updateRecipe(api, (recipe as RemoteRecipe).id, item.body ?? {});
        break;
      case 'start':
      case 'stop':
        await setRecipeState(api, recipe as RemoteRecipe, change);
        break;
    }
  }
}

/** Carries out a plan, one recipe after the other; stops at the first refusal (what was done stays done). */
export async function applyPlan(api: ApiClient, plan: Plan, marker: string): Promise<PlanItem[]> {
  const todo = plan.items.filter((i) => i.changes.length > 0);
  const bar = progress(todo.length, 'applying');
  try {
    for (const item of todo) {
      await applyItem(api, item, marker);
      bar.tick(item.name);
    }
  } finally {
    bar.stop();
  }
  return todo;
}
