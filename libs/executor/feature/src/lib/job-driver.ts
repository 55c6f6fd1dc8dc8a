import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { JobRepository, type JobRow, type JobRowStatus, type NewStep } from '@junction/executor/data-access';
import { StaleResultError, advance, compileRecipe, start, type Command, type JobState, type StepRecord, type StepResult } from '@junction/executor/domain';
import { ROOT_LOGGER } from '@junction/platform/logging';
import { ChildJobs } from './child-jobs';
import { EXECUTOR_OPTIONS, type ExecutorOptions } from './executor.options';
import { RecipeCatalog } from './recipe-catalog';
import { redact } from './redact';
import { REDACTED, SensitiveFields, redactPaths } from './sensitive-fields';
import { StepInvoker } from './step-invoker';
import { engineState, storedState } from './stored-state';

/** Asks the dispatcher whether this worker still holds the job's lease. */
export interface LeaseView {
  holds(jobId: string): boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// in-memory waits notice a lost lease or a shutdown this often
const WAIT_SLICE_MS = 250;

/**
 * Drives one claimed job through the engine: advance → checkpoint (state + step rows, one
 * compare-and-set statement) → run the command → advance with its result, until the job ends,
 * sleeps past `inMemoryWaitMaxMs`, or the lease is lost. Nothing runs before its checkpoint
 * is committed, so a crash re-drives from the last committed command with the same idempotency key.
 */
@Injectable()
export class JobDriver {
  constructor(
    private readonly dataSource: DataSource,
    private readonly catalog: RecipeCatalog,
    private readonly invoker: StepInvoker,
    private readonly children: ChildJobs,
    private readonly sensitive: SensitiveFields,
    @Inject(EXECUTOR_OPTIONS) private readonly options: ExecutorOptions,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async drive(row: JobRow, lease: LeaseView): Promise<void> {
    const jobs = new JobRepository(this.dataSource.manager);
    const owner = this.options.workerId;
    const recipe = await this.catalog.get(row.recipeId, row.recipeVersion);
    if (!recipe) {
      this.logger.error({ jobId: row.id, recipeId: row.recipeId, version: row.recipeVersion }, 'job of an unknown recipe version');
      return;
    }
    let revision = row.revision;
    let state: JobState = row.state
      ? engineState(row)
      : start(recipe, row.trigger, row.id, {
          now: Date.now(),
          job: { recipeId: row.recipeId, recipeVersion: row.recipeVersion, workspaceId: row.workspaceId, dedupeKey: row.dedupeKey },
        });
    let result: StepResult | undefined;
    let issuedAt = Date.now();

    for (;;) {
      const now = Date.now();
      let step;
      try {
        step = await advance(recipe, state, { now, result });
      } catch (error) {
        if (error instanceof StaleResultError) return;
        throw error;
      }
      const { command } = step;
      const finished = command.type === 'finish';
      const longWait = command.type === 'wait' && command.until - now > this.options.inMemoryWaitMaxMs;
      const next = await jobs.checkpoint(row.id, owner, revision, {
        state: storedState(step.state),
        status: finished ? (step.state.status as JobRowStatus) : 'running',
        steps: await Promise.all(
          step.records.map(async (r) =>
            stepRow(
              await this.withoutSensitive(row.workspaceId, compileRecipe(recipe).steps.get(r.stepId)?.action, r),
              step.state.group,
              r.kind === 'action' || r.kind === 'callRecipe' ? issuedAt : now,
              now,
            ),
          ),
        ),
        ...(command.type === 'respond' ? { reply: { status: command.status, headers: command.headers, body: command.body } } : {}),
        error: finished && step.state.error ? (redact(step.state.error) as Record<string, unknown>) : null,
        deadlineAt: step.state.deadline !== undefined ? new Date(step.state.deadline) : null,
        wakeAt: longWait ? new Date((command as Extract<Command, { type: 'wait' }>).until) : null,
        finished,
      });
      if (next === undefined) return; // cancelled, timed out or re-claimed: another writer owns the job now
      revision = next;
      state = step.state;
      // checked after the checkpoint, so a result already in hand is kept when the lease goes (shutdown, takeover)
      if (command.type !== 'finish' && !lease.holds(row.id)) return;

      switch (command.type) {
        case 'finish':
          return;
        case 'invoke':
          issuedAt = Date.now();
          result = await this.invoker.invoke(row, command);
          break;
        case 'wait':
          if (longWait) return; // the lease is given up; the dispatcher claims the job again when due
          while (Date.now() < command.until && lease.holds(row.id)) await sleep(Math.min(WAIT_SLICE_MS, command.until - Date.now()));
          result = undefined;
          break;
        case 'respond':
          result = { ok: true };
          break;
        case 'call': {
          issuedAt = Date.now();
          const outcome = await this.children.call(row, command);
          if (outcome) {
            result = outcome;
            break;
          }
          // the child has not finished: sleep on it without holding a worker
          const parked = await jobs.checkpoint(row.id, owner, revision, {
            state: storedState(state),
            status: 'running',
            steps: [],
            wakeAt: new Date(Date.now() + this.options.pollIntervalMs * 2),
          });
          if (parked === undefined) this.logger.warn({ jobId: row.id }, 'job changed while parking on a called recipe');
          return;
        }
      }
    }
  }

  /** A step record with the fields its connector action marks sensitive replaced (fails closed). */
  private async withoutSensitive(workspaceId: string, action: string | undefined, record: StepRecord): Promise<StepRecord> {
    if (record.kind !== 'action' || !action) return record;
    const paths = await this.sensitive.of(workspaceId, action);
    if (!paths) return { ...record, ...WITHHELD, ...(record.input !== undefined ? { input: REDACTED } : {}), ...(record.output !== undefined ? { output: REDACTED } : {}) };
    return { ...record, input: redactPaths(record.input, paths.input), output: redactPaths(record.output, paths.output) };
  }
}

/** Whole input and output are withheld when the catalog cannot say which fields are sensitive. */
const WITHHELD = { input: undefined, output: undefined } as const;

function stepRow(record: StepRecord, group: number, startedAt: number, finishedAt: number): NewStep {
  return {
    stepId: record.stepId,
    stepKey: record.stepKey,
    kind: record.kind,
    status: record.status,
    attempt: record.attempt ?? null,
    attemptGroup: group,
    input: redact(record.input) ?? null,
    output: redact(record.output) ?? null,
    error: redact(record.error) ?? null,
    startedAt: new Date(startedAt),
    finishedAt: new Date(finishedAt),
  };
}
