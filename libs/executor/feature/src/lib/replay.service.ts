import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { REPLAY_MAX_JOBS, type Recipe, type ReplayRecipeRequest, type ReplayResult } from '@junction/executor/contracts';
import { RecipeRepository, RecordedJobsRepository, type JobStepRow, type RecordedJobRow } from '@junction/executor/data-access';
import { compileRecipe, replayJob, type JobReplay, type RecordedJob, type ReplayRedaction } from '@junction/executor/domain';
import { RemoteError } from '@junction/platform/ports';
import { ExpressionWorkers } from './expression-workers';
import { RecipeCatalog } from './recipe-catalog';
import { redact } from './redact';
import { REDACTED, SensitiveFields, redactPaths } from './sensitive-fields';

/**
 * `POST /v1/recipes/:id/replay`: loads the recorded jobs asked for (of this recipe, in this
 * workspace) and runs the engine's pure `replayJob` over each on the version asked for. Reads
 * only: no job row is written, no connector or child recipe is called, nothing is audited.
 */
@Injectable()
export class ReplayService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly catalog: RecipeCatalog,
    private readonly sensitive: SensitiveFields,
    private readonly expressions: ExpressionWorkers,
  ) {}

  async replay(request: ReplayRecipeRequest): Promise<ReplayResult> {
    const scope = { workspaceId: request.workspaceId, recipeId: request.id };
    const recipe = await new RecipeRepository(this.dataSource.manager).find({ workspaceId: request.workspaceId, id: request.id });
    if (!recipe) throw new RemoteError('not_found', `recipe ${request.id} not found`);
    const target = await this.catalog.get(recipe.id, request.version);
    if (!target) {
      throw new RemoteError('not_found', `recipe ${recipe.id} has no version ${request.version}`, [
        { path: 'version', message: `no version ${request.version} (the latest is ${recipe.version})` },
      ]);
    }
    const rows = await this.load(scope, request);
    const steps = groupByJob(await new RecordedJobsRepository(this.dataSource.manager).steps(rows.map((r) => r.id)));
    const ran = new Map<number, Recipe>();
    for (const version of new Set(rows.map((r) => r.recipeVersion))) {
      // a version row is never deleted; if it were, its jobs' outputs are shown through the target's step kinds
      ran.set(version, (await this.catalog.get(recipe.id, version)) ?? target);
    }
    const redaction = await this.redaction(request.workspaceId, [target, ...ran.values()]);
    const jobs: JobReplay[] = [];
    for (const row of rows) {
      // the executor's own jobs share this event loop: let them move between two replays
      await new Promise((resolve) => setImmediate(resolve));
      jobs.push(
        await replayJob(target, recordedJob(row, steps.get(row.id) ?? []), {
          version: request.version,
          ran: ran.get(row.recipeVersion) ?? target,
          redaction,
          offload: this.expressions.pool,
        }),
      );
    }
    return {
      recipeId: recipe.id,
      version: request.version,
      summary: { jobs: jobs.length, changed: jobs.filter(changed).length, callsAnew: jobs.reduce((n, j) => n + j.calls.length, 0) },
      jobs,
    };
  }

  /** The jobs named (all of them must be this recipe's, in this workspace: the others are named as not found), or those the filter matches. */
  private async load(scope: { workspaceId: string; recipeId: string }, request: ReplayRecipeRequest): Promise<RecordedJobRow[]> {
    const repository = new RecordedJobsRepository(this.dataSource.manager);
    const { ids, filter } = request.jobs;
    if (ids) {
      const wanted = [...new Set(ids)];
      if (wanted.length > REPLAY_MAX_JOBS)
        throw new RemoteError('invalid_request', `at most ${REPLAY_MAX_JOBS} jobs per replay`, [{ path: 'jobs.ids', message: `at most ${REPLAY_MAX_JOBS} jobs` }]);
      const rows = await repository.byIds(scope, wanted);
      const found = new Set(rows.map((r) => r.id));
      const missing = wanted.filter((id) => !found.has(id));
      if (missing.length > 0) {
        throw new RemoteError(
          'not_found',
          `${missing.length === 1 ? 'job' : 'jobs'} ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''} not found among the jobs of recipe ${scope.recipeId}`,
          missing.slice(0, 20).map((id) => ({ path: 'jobs.ids', message: `job ${id} not found among the jobs of this recipe` })),
        );
      }
      return rows;
    }
    return repository.matching(scope, {
      status: filter?.status,
      since: filter?.since ? new Date(filter.since) : undefined,
      until: filter?.until ? new Date(filter.until) : undefined,
      version: filter?.version,
      limit: Math.min(filter?.limit ?? REPLAY_MAX_JOBS, REPLAY_MAX_JOBS),
    });
  }

  /**
   * Redaction as the job driver writes step rows: each action's sensitive fields from the
   * connectors' catalog, then secret-looking keys; an action whose catalog cannot be read is
   * withheld whole (fails closed), as its rows were.
   */
  private async redaction(workspaceId: string, recipes: Recipe[]): Promise<ReplayRedaction> {
    const actions = new Set<string>();
    for (const r of recipes) for (const step of compileRecipe(r).steps.values()) if (step.kind === 'action' && step.action) actions.add(step.action);
    const paths = new Map(await Promise.all([...actions].map(async (a) => [a, await this.sensitive.of(workspaceId, a)] as const)));
    const apply = (where: 'input' | 'output') => (action: string | undefined, value: unknown) => {
      if (value === undefined) return undefined;
      if (!action) return redact(value);
      const known = paths.get(action);
      if (!known) return REDACTED;
      return redact(redactPaths(value, known[where]));
    };
    return { input: apply('input'), output: apply('output') };
  }
}

function groupByJob(rows: JobStepRow[]): Map<string, JobStepRow[]> {
  const out = new Map<string, JobStepRow[]>();
  for (const row of rows) {
    const list = out.get(row.jobId);
    if (list) list.push(row);
    else out.set(row.jobId, [row]);
  }
  return out;
}

function recordedJob(row: RecordedJobRow, steps: JobStepRow[]): RecordedJob {
  const state = row.state as RecordedJob['state'];
  const startedAt = Date.parse(String(state?.job?.['startedAt'] ?? '')) || (row.startedAt ?? row.receivedAt).getTime();
  return {
    id: row.id,
    status: row.status,
    trigger: row.trigger,
    state,
    startedAt,
    steps: steps.map((s) => ({
      stepId: s.stepId,
      stepKey: s.stepKey,
      kind: s.kind,
      status: s.status,
      input: s.input,
      output: s.output,
      error: s.error,
      finishedAt: new Date(s.finishedAt).getTime(),
    })),
  };
}

const changed = (j: JobReplay) => j.error !== undefined || j.status.before !== j.status.after || j.output.diff.length > 0 || j.steps.some((s) => s.change !== 'same');
