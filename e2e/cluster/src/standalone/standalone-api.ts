import type { Cluster } from '../cluster-harness';

export interface JobRow {
  id: string;
  status: string;
  dedupeKey: string;
}

export interface JobStep {
  stepId: string;
  stepKey: string;
  status: string;
  finishedAt: string;
}

/** Every job of a recipe through the public API, following `nextCursor` page by page. */
export async function listAllJobs(cluster: Cluster, recipeId: string): Promise<JobRow[]> {
  const jobs: JobRow[] = [];
  let cursor: string | undefined;
  do {
    const page = await cluster.call<{ items: JobRow[]; nextCursor?: string }>('GET', `/v1/jobs?recipeId=${recipeId}&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    if (page.status !== 200) throw new Error(`listing jobs: ${page.status} ${JSON.stringify(page.body)}`);
    jobs.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return jobs;
}

/** One job's checkpointed steps, through the public API. */
export async function stepsOf(cluster: Cluster, jobId: string): Promise<JobStep[]> {
  const job = await cluster.call<{ steps?: JobStep[] }>('GET', `/v1/jobs/${jobId}`);
  if (job.status !== 200) throw new Error(`reading job ${jobId}: ${job.status} ${JSON.stringify(job.body)}`);
  return job.body.steps ?? [];
}
