import type { Command } from 'commander';
import { apiFor, globals, print } from '../context';
import { CliError } from '../exit-codes';
import { findRecipe } from '../http/junction-api';
import { renderList, renderObject } from '../output/render';

interface FieldChange {
  path: string;
}
interface JobReplay {
  jobId: string;
  steps: { stepKey: string; change: string; inputDiff?: FieldChange[] }[];
  calls: { stepKey: string; action: string; reason: string }[];
  output: { diff: FieldChange[] };
  status: { before: string; after: string };
  approximate: boolean;
  error?: string;
}
interface ReplayResult {
  version: number;
  summary: { jobs: number; changed: number; callsAnew: number };
  jobs: JobReplay[];
}

interface ReplayOptions {
  jobs?: string;
  status?: string;
  since?: string;
  until?: string;
  ran?: string;
  limit?: string;
}

/** One line per changed step: `post ~ body.customer.email`, `notify +`, `audit -`. */
function stepChanges(job: JobReplay): string {
  const mark: Record<string, string> = { inputChanged: '~', added: '+', removed: '-' };
  return job.steps
    .filter((s) => s.change !== 'same')
    .map((s) => `${s.stepKey} ${mark[s.change] ?? s.change}${s.inputDiff?.length ? ` ${s.inputDiff.map((d) => d.path || '(all)').join(', ')}` : ''}`)
    .join('\n');
}

const COLUMNS = [
  { header: 'JOB', value: (j: JobReplay) => j.jobId },
  { header: 'STATUS', value: (j: JobReplay) => (j.status.before === j.status.after ? j.status.after : `${j.status.before} → ${j.status.after}`) },
  { header: 'STEPS CHANGED', value: (j: JobReplay) => stepChanges(j) || '—' },
  { header: 'CALLS ANEW', value: (j: JobReplay) => j.calls.map((c) => `${c.stepKey} (${c.action}, ${c.reason})`).join('\n') || '—' },
  { header: 'OUTPUT DIFF', value: (j: JobReplay) => j.output.diff.map((d) => d.path || '(all)').join(', ') || '—' },
];

/** `junction recipes replay <recipe> <version>`: the API's replay, as a table (nothing is sent anywhere). */
export function addReplayCommand(recipes: Command): void {
  recipes
    .command('replay')
    .description('run a version over recorded jobs of a recipe, answering calls from the recording (nothing is sent): what would change')
    .argument('<recipe>', 'recipe name or id')
    .argument('<version>', 'the version to replay the jobs on')
    .option('--jobs <ids>', 'these jobs (comma-separated ids); else the newest the filter options match')
    .option('--status <status>', 'only jobs that ended so (succeeded, failed, …)')
    .option('--since <iso>', 'only jobs created at or after this instant (ISO 8601)')
    .option('--until <iso>', 'only jobs created before this instant (ISO 8601)')
    .option('--ran <n>', 'only jobs that ran on this version')
    .option('-l, --limit <n>', 'at most this many jobs (1–200)')
    .addHelpText('after', '\nExample:\n  $ junction recipes replay "orders to crm" 4 --status succeeded --limit 100')
    .action(async (name: string, version: string, options: ReplayOptions, command: Command) => {
      const api = apiFor(command);
      const recipe = await findRecipe(api, name);
      if (!recipe) throw new CliError(`no recipe "${name}" in this workspace`);
      const number = (flag: string, value: string | undefined) => {
        if (value === undefined) return undefined;
        if (!/^[1-9][0-9]*$/.test(value)) throw new CliError(`${flag} must be a whole number, not "${value}"`);
        return Number(value);
      };
      const jobs = options.jobs
        ? {
            ids: options.jobs
              .split(',')
              .map((id) => id.trim())
              .filter(Boolean),
          }
        : {
            filter: Object.fromEntries(
              Object.entries({
                status: options.status,
                since: options.since,
                until: options.until,
                version: number('--ran', options.ran),
                limit: number('--limit', options.limit),
              }).filter(([, v]) => v !== undefined),
            ),
          };
      const what = `replaying jobs of recipe "${recipe.name}" on version ${version}`;
      const body = { version: number('<version>', version), jobs };
      const result = (await api.request<ReplayResult>('POST', `/v1/recipes/${recipe.id}/replay`, what, { body })).body;
      const { output } = globals(command);
      if (output !== 'table') return print(renderObject(result, [], output));
      const { jobs: n, changed, callsAnew } = result.summary;
      print(
        `${renderList(result.jobs, COLUMNS, output)}\nReplayed ${n} job${n === 1 ? '' : 's'} on version ${result.version}: ${changed} with changes, ${callsAnew} call${callsAnew === 1 ? '' : 's'} would be made anew. Nothing was sent.`,
      );
    });
}
