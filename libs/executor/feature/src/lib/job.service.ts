import { Injectable } from '@nestjs/common';
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
  type RunOutcome,
} from '@junction/executor/contracts';
import { JobRepository, type JobRow } from '@junction/executor/data-access';
import { cancel, rerun } from '@junction/executor/domain';
import { RemoteError } from '@junction/platform/ports';
import { ExecutorAudit } from './executor-audit';
import { JobSignals } from './job-signals';
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
  constructor(
    private readonly dataSource: DataSource,
    private readonly catalog: RecipeCatalog,
    private readonly signals: JobSignals,
    private readonly audit: ExecutorAudit,
  ) {}

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

  /** A failed job runs again from its failed step under a new attempt group; completed steps are kept. */
  async rerun(ref: JobRef): Promise<JobSummary> {
    const row = await this.found(ref);
    if (row.status !== 'failed') throw new RemoteError('conflict', `only a failed job can be rerun; job ${row.id} is ${row.status}`);
    let change;
    if (!row.state) {
      change = { status: 'queued' as const, state: null, error: null, finished: false };
    } else {
      const recipe = await this.catalog.get(row.recipeId, row.recipeVersion);
      if (!recipe) throw new RemoteError('conflict', `the recipe version of job ${row.id} is gone`);
      const next = rerun(recipe, engineState(row), { now: Date.now() });
      change = { status: 'running' as const, state: storedState(next), error: null, deadlineAt: next.deadline ? new Date(next.deadline) : null, finished: false };
    }
    const updated = await this.jobs.operate(ref, row.revision, change);
    if (!updated) throw new RemoteError('conflict', `job ${row.id} changed meanwhile; try again`);
    this.signals.jobQueued();
    await this.audit.record(ref, 'job.rerun', { type: 'job', id: row.id });
    return toJobSummary(updated);
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
