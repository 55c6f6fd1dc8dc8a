import type { Cluster } from '../cluster-harness';

/** Waits (through the API) until the recipe has a job, with `status` if given, and answers its id. */
export async function jobOf(cluster: Cluster, recipeId: string, status?: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const query = `/v1/jobs?recipeId=${recipeId}${status ? `&status=${status}` : ''}`;
  while (Date.now() < deadline) {
    const page = await cluster.call<{ items: { id: string }[] }>('GET', query);
    if (page.body.items[0]) return page.body.items[0].id;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`recipe ${recipeId} has no ${status ?? ''} job after ${timeoutMs} ms`);
}
