import { Injectable, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  PAGE_MAX,
  TERMINAL_JOB_STATUSES,
  type AwaitRunRequest,
  type JobList,
  type JobRef,
  type JobSummary,
  type JobView,
  type ListJobsRequest,
  type RerunJobRequest,
  type RerunJobsRequest,
  type RerunJobsResult,
  type RerunOutcome,
  type RerunResult,
  type RerunView,
  type RunOutcome,
  BULK_RERUN_MAX,
} from '@junction/executor/contracts';
import { ApprovalRepository, JobRepository, RecipeRepository, type JobRow } from '@junction/executor/data-access';
import { cancel, compileRecipe, RerunConflictError, rerunOn } from '@junction/executor/domain';
import { ServiceMetrics } from '@junction/platform/metrics';
import { RemoteError } from '@junction/platform/ports';
import { ExecutorAudit } from './executor-audit';
import { ExecutorMetrics } from './executor-metrics';
import { JobSignals } from './job-signals';
import { JobWaits } from './job-waits';
import { RecipeCatalog } from './recipe-catalog';
import { redact } from './redact';
import { engineState, storedState } from './stored-state';
import { toJobSummary, toJobView } from './views';

const AWAIT_POLL_MS = 50;

// a job checkpoints a few times a second at most: a handful of re-reads always wins the race
const CANCEL_ATTEMPTS = 10;

/** The jobs API: history, one job with every step, rerun from the failed step, cancel, await a run. */
@Injectable()
export class JobService {
  private readonly metrics?: ExecutorMetrics;

  constructor(
    private readonly dataSource: DataSource,
    private readonly catalog: RecipeCatalog,
    private readonly signals: JobSignals,
    private readonly audit: ExecutorAudit,
    private readonly waits: JobWaits,
    @Optional() metrics?: ServiceMetrics,
  ) {
    this.metrics = metrics && ExecutorMetrics.of(metrics);
  }

  private get jobs(): JobRepository {
    return new JobRepository(this.dataSource.manager);
  }

  async list(request: ListJobsRequest): Promise<JobList> {
    const limit = Math.min(request.limit ?? 50, PAGE_MAX);
    const rows = await this.jobs.list({
      workspaceId: request.workspaceId,
      recipeId: request.recipeId,
      status: request.status,
      since: request.since ? new Date(request.since) : undefined,
      cursor: request.cursor,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    return { items: page.map(toJobSummary), ...(rows.length > limit ? { nextCursor: page[page.length - 1].id } : {}) };
  }

  async get(ref: JobRef): Promise<JobView> {
    const row = await this.found(ref);
    return toJobView(row, await this.jobs.steps(row.id));
  }

  /**
   * A failed job runs again from its failed step under a new attempt group, on the version it ran
   * or, asked for, on the recipe's latest version; completed steps are kept (on the latest, those
   * whose ids it still has). The answer says which version and what was kept.
   */
  async rerun(request: RerunJobRequest): Promise<RerunResult> {
    const ref: JobRef = { workspaceId: request.workspaceId, actor: request.actor, id: request.id };
    const row = await this.found(ref);
    if (row.status !== 'failed') throw new RemoteError('conflict', `only a failed job can be rerun; job ${row.id} is ${row.status}`);
    const basis = request.version ?? 'ran';
    const ran = await this.catalog.get(row.recipeId, row.recipeVersion);
    if (!ran) throw new RemoteError('conflict', `version ${row.recipeVersion} of the recipe of job ${row.id} is gone`);
    let version = row.recipeVersion;
    let on = ran;
    if (basis === 'latest') {
      const recipe = await new RecipeRepository(this.dataSource.manager).find({ workspaceId: ref.workspaceId, id: row.recipeId });
      if (!recipe) throw new RemoteError('conflict', `the recipe of job ${row.id} was deleted; it has no latest version`);
      const latest = await this.catalog.get(row.recipeId, recipe.version);
      if (!latest) throw new RemoteError('conflict', `version ${recipe.version} of the recipe of job ${row.id} is gone`);
      version = recipe.version;
      on = latest;
    }
    const now = Date.now();
    let change;
    let record: RerunView;
    if (!row.state) {
      // failed before its first step ran: it starts over on the version asked for
      record = { at: new Date(now).toISOString(), basis, fromVersion: row.recipeVersion, version, kept: [], again: [...compileRecipe(on).steps.keys()], dropped: [] };
      change = { status: 'queued' as const, state: null, error: null, finished: false, recipeVersion: version };
    } else {
      let next;
      try {
        ({ state: next, record } = rerunOn(engineState(row), { ran: { version: row.recipeVersion, recipe: ran }, on: { version, recipe: on }, basis, now }));
      } catch (error) {
        if (error instanceof RerunConflictError) throw new RemoteError('conflict', `job ${row.id} cannot be rerun on version ${version}: ${error.reason}`);
        throw error;
      }
      change = {
        status: 'running' as const,
        state: storedState(next),
        error: null,
        deadlineAt: next.deadline ? new Date(next.deadline) : null,
        finished: false,
        recipeVersion: version,
      };
    }
    const updated = await this.jobs.operate(ref, row.revision, change);
    if (!updated) throw new RemoteError('conflict', `job ${row.id} changed meanwhile; try again`);
    this.signals.jobQueued();
    await this.audit.record(ref, 'job.rerun', { type: 'job', id: row.id }, { basis, fromVersion: record.fromVersion, version: record.version });
    return { ...toJobSummary(updated), rerun: record };
  }

  /**
   * The failed jobs of a recipe rerun one by one, newest first, each on the version asked for; a
   * job that cannot be (changed meanwhile, incompatible with the latest) says why and the rest go on.
   */
  async rerunMany(request: RerunJobsRequest): Promise<RerunJobsResult> {
    const limit = Math.min(request.limit ?? BULK_RERUN_MAX, BULK_RERUN_MAX);
    const rows = await this.jobs.list({
      workspaceId: request.workspaceId,
      recipeId: request.recipeId,
      status: 'failed',
      since: request.since ? new Date(request.since) : undefined,
      cursor: request.cursor,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const version = request.version ?? 'ran';
    const items: RerunOutcome[] = [];
    for (const row of page) {
      try {
        const { rerun } = await this.rerun({ workspaceId: request.workspaceId, actor: request.actor, id: row.id, version });
        items.push({ id: row.id, rerun });
      } catch (error) {
        if (!(error instanceof RemoteError) || (error.code !== 'conflict' && error.code !== 'not_found')) throw error;
        items.push({ id: row.id, error: { code: error.code, message: error.message } });
      }
    }
    return { version, items, ...(rows.length > limit ? { nextCursor: page[page.length - 1].id } : {}) };
  }

  /**
   * Terminal at once; a worker holding the job loses its next compare-and-set and stops. A running
   * job moves under the caller's feet (a checkpoint between our read and our write): the cancel is
   * tried again on the fresh row rather than handed back as a conflict, until the job has ended.
   */
  async cancel(ref: JobRef): Promise<JobSummary> {
    for (let attempt = 1; ; attempt++) {
      const row = await this.found(ref);
      if (TERMINAL_JOB_STATUSES.includes(row.status)) throw new RemoteError('conflict', `job ${row.id} already ended ${row.status}`);
      const state = row.state ? storedState(cancel(engineState(row))) : null;
      const updated = await this.jobs.operate(ref, row.revision, { status: 'cancelled', state, error: row.error, finished: true });
      if (updated) {
        // ended here, not by a worker: the driver that loses its next write does not count it
        this.metrics?.finished('cancelled');
        // a waiting job's wait rows go now: no event resolves a cancelled job (the sweep would remove them later)
        await this.waits.forget(row.id);
        // its open approvals close with it: out of the pending list, their links and the API refuse (approvals.ts)
        await new ApprovalRepository(this.dataSource.manager).cancelOf(row.id, new Date());
        await this.audit.record(ref, 'job.cancelled', { type: 'job', id: row.id });
        return toJobSummary(updated);
      }
      if (attempt >= CANCEL_ATTEMPTS) throw new RemoteError('conflict', `job ${row.id} kept changing; try again`);
    }
  }

  /**
   * Waits on the job row (durable: the job may finish before anyone listens, or on another
   * replica) until it ends or has a `respond` reply, or the time runs out (`pending`).
   */
  async await(request: AwaitRunRequest): Promise<RunOutcome> {
    const until = Date.now() + request.timeoutMs;
    let row: JobRow | undefined;
    for (;;) {
      row = await this.jobs.findByEvent(request);
      if (row && (row.reply || TERMINAL_JOB_STATUSES.includes(row.status))) break;
      if (Date.now() + AWAIT_POLL_MS > until) return { ...(row ? { jobId: row.id } : {}), status: 'pending' };
      await new Promise((r) => setTimeout(r, AWAIT_POLL_MS));
    }
    const steps = (row.state as { steps?: unknown } | null)?.steps;
    return {
      jobId: row.id,
      status: row.status,
      ...(row.reply ? { reply: redact(row.reply) as RunOutcome['reply'] } : {}),
      ...(!row.reply && steps ? { output: redact(steps) } : {}),
      ...(row.error ? { error: redact(row.error) } : {}),
    };
  }

  private async found(ref: JobRef): Promise<JobRow> {
    const row = await this.jobs.find(ref);
    if (!row) throw new RemoteError('not_found', `job ${ref.id} not found`);
    return row;
  }
}
