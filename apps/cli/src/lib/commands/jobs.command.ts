import { Command, Option } from 'commander';
import { apiFor, globals, print } from '../context';
import { CliError, EXIT } from '../exit-codes';
import { findRecipe, listRecipes } from '../http/junction-api';
import { followJob, stepLine, TERMINAL_STATUSES, type JobRecord } from '../jobs/follow-job';
import { progress } from '../output/progress';
import { renderList, renderObject, type Column } from '../output/render';

const JOB_ID_RE = /^job_[0-9A-HJKMNP-TV-Z]{26}$/;

function jobId(id: string): string {
  if (!JOB_ID_RE.test(id)) throw new CliError(`"${id}" is not a job id (job_…)`, EXIT.usage);
  return id;
}

const JOB_COLUMNS: Column<JobRecord>[] = [
  { header: 'ID', value: (j) => j.id },
  { header: 'RECIPE', value: (j) => j.recipeId },
  { header: 'VERSION', value: (j) => j.recipeVersion },
  { header: 'STATUS', value: (j) => j.status },
  { header: 'CREATED', value: (j) => j.createdAt },
  { header: 'FINISHED', value: (j) => j.finishedAt },
];

/** Exit code of a command that waited for a job: 3 when it ended badly. */
export function exitForStatus(status: string): void {
  if (TERMINAL_STATUSES.has(status) && status !== 'succeeded') process.exitCode = EXIT.jobFailed;
}

export function jobsCommand(): Command {
  const jobs = new Command('jobs').description('job history, step timelines and reruns');

  jobs
    .command('list')
    .description('jobs of the workspace, newest first')
    .option('-r, --recipe <recipe>', 'only this recipe (name or id)')
    .addOption(new Option('-s, --status <status>', 'only jobs in this status').choices(['queued', 'running', 'succeeded', 'failed', 'cancelled', 'stopped']))
    .option('--since <iso>', 'created at or after this instant (ISO 8601)')
    .option('-l, --limit <n>', 'at most this many (1–100)', '20')
    .addHelpText('after', '\nExample:\n  $ junction jobs list --recipe "orders to slack" --status failed')
    .action((options: JobFilters, command: Command) => printJobs(command, options));

  jobs
    .command('get')
    .description("one job: status, output and every step's record")
    .argument('<id>', 'job id')
    .addHelpText('after', '\nExample:\n  $ junction jobs get job_01JF8Z5Q3V7X9B2C4D6E8G0H2M --output yaml')
    .action(async (id: string, _options: unknown, command: Command) => {
      const job = await apiFor(command).get<JobRecord & { output?: unknown }>(`/v1/jobs/${jobId(id)}`, `reading job ${id}`);
      const { output } = globals(command);
      if (output !== 'table') return print(renderObject(job, [], output));
      print(renderObject(job, [...JOB_COLUMNS, { header: 'ERROR', value: (j) => j.error }], 'table'));
      if (job.steps?.length) print(['', 'steps:', ...job.steps.map((s) => `  ${stepLine(s)}`)].join('\n'));
    });

  jobs
    .command('logs')
    .description("a job's step timeline; --follow streams it until the job ends")
    .argument('<id>', 'job id')
    .option('-f, --follow', 'keep printing steps as they happen, until the job ends')
    .addHelpText('after', '\nExample:\n  $ junction jobs logs job_01JF8Z5Q3V7X9B2C4D6E8G0H2M --follow')
    .action(async (id: string, options: { follow?: boolean }, command: Command) => {
      const api = apiFor(command);
      if (options.follow) return exitForStatus(await followJob(api, jobId(id), print));
      const job = await api.get<JobRecord>(`/v1/jobs/${jobId(id)}`, `reading job ${id}`);
      print([...(job.steps ?? []).map(stepLine), `job ${job.id} ${job.status}`].join('\n'));
    });

  jobs
    .command('rerun')
    .description('run a failed job again from its failed step, on the version it ran or --latest')
    .argument('<id>', 'job id')
    .option('--latest', "on the recipe's latest version instead of the one the job ran")
    .addHelpText('after', '\nExample:\n  $ junction jobs rerun job_01JF8Z5Q3V7X9B2C4D6E8G0H2M --latest')
    .action(async (id: string, options: { latest?: boolean }, command: Command) => {
      const body = options.latest ? { version: 'latest' } : {};
      const res = await apiFor(command).request<JobRecord>('POST', `/v1/jobs/${jobId(id)}/rerun`, `rerunning job ${id}`, { body });
      print(renderObject(res.body, JOB_COLUMNS, globals(command).output));
    });

  jobs
    .command('rerun-failed')
    .description('rerun every failed job of a recipe (each from its failed step), in batches, with progress')
    .argument('<recipe>', 'recipe name or id')
    .option('--since <iso>', 'only jobs created at or after this instant (ISO 8601)')
    .option('--latest', "on the recipe's latest version instead of the one each job ran")
    .addHelpText('after', '\nExample:\n  $ junction jobs rerun-failed "orders to slack" --since 2026-12-01T00:00:00Z --latest')
    .action((name: string, options: RerunFailedOptions, command: Command) => rerunFailed(command, name, options));

  return jobs;
}

export interface JobFilters {
  recipe?: string;
  status?: string;
  since?: string;
  limit: string;
}

/** `jobs list` (and `dead-letters list`): a page of jobs, recipe names in the table. */
export async function printJobs(command: Command, options: JobFilters): Promise<void> {
  const api = apiFor(command);
  let recipeId: string | undefined;
  if (options.recipe) {
    const recipe = await findRecipe(api, options.recipe);
    if (!recipe) throw new CliError(`no recipe "${options.recipe}" in this workspace`);
    recipeId = recipe.id;
  }
  const page = await api.get<{ items: JobRecord[] }>('/v1/jobs', 'listing jobs', { recipeId, status: options.status, since: options.since, limit: options.limit });
  const { output } = globals(command);
  if (output !== 'table' || page.items.length === 0) return print(renderList(page.items, JOB_COLUMNS, output));
  // people read recipe names, scripts get the ids (json, yaml)
  const names = new Map((await listRecipes(api)).map((r) => [r.id, r.name]));
  const columns = JOB_COLUMNS.map((c) => (c.header === 'RECIPE' ? { header: 'RECIPE', value: (j: JobRecord) => names.get(j.recipeId) ?? j.recipeId } : c));
  print(renderList(page.items, columns, output));
}

export interface RerunFailedOptions {
  since?: string;
  latest?: boolean;
}

/** `jobs rerun-failed` (and `dead-letters redrive`): every failed job of a recipe, batch after batch, with progress. */
export async function rerunFailed(command: Command, name: string, options: RerunFailedOptions): Promise<void> {
  const api = apiFor(command);
  const recipe = await findRecipe(api, name);
  if (!recipe) throw new CliError(`no recipe "${name}" in this workspace`);
  const failed = await api.listAll<JobRecord>('/v1/jobs', 'listing failed jobs', { recipeId: recipe.id, status: 'failed', since: options.since });
  const bar = progress(failed.length, 'rerunning');
  const outcomes: RerunOutcome[] = [];
  let cursor: string | undefined;
  try {
    do {
      const body = { recipeId: recipe.id, ...(options.latest ? { version: 'latest' } : {}), ...(options.since ? { since: options.since } : {}), ...(cursor ? { cursor } : {}) };
      const page = (await api.request<{ items: RerunOutcome[]; nextCursor?: string }>('POST', '/v1/jobs/rerun', `rerunning the failed jobs of "${recipe.name}"`, { body })).body;
      for (const item of page.items) bar.tick(item.id);
      outcomes.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
  } finally {
    bar.stop();
  }
  const rows = outcomes.map((o) => ({ id: o.id, result: o.rerun ? 'rerun' : 'not rerun', error: o.error }));
  print(
    renderList(
      rows,
      [
        { header: 'JOB', value: (r) => r.id },
        { header: 'RESULT', value: (r) => r.result },
        { header: 'WHY NOT', value: (r) => (r.error as { message?: string } | undefined)?.message },
      ],
      globals(command).output,
    ),
  );
  if (outcomes.some((o) => !o.rerun)) process.exitCode = EXIT.error;
}

interface RerunOutcome {
  id: string;
  rerun?: unknown;
  error?: unknown;
}
