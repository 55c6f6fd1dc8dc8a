import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { Recipe } from '@junction/executor/contracts';
import { JobRepository, type JobRow, type JobRowStatus, type NewStep } from '@junction/executor/data-access';
import {
  APPROVAL_EVENT,
  StaleResultError,
  advance,
  commandId,
  compileRecipe,
  keyedConcurrency,
  keyedDebounce,
  keyedThrottle,
  start,
  type Command,
  type JobState,
  type StepRecord,
  type StepResult,
} from '@junction/executor/domain';
import { ROOT_LOGGER } from '@junction/platform/logging';
import { ServiceMetrics } from '@junction/platform/metrics';
import { isServerUnavailable, traced, type SpanRecorder } from '@junction/platform/ports';
import { ChildJobs } from './child-jobs';
import { EffectLedger, type EffectScope } from './effect-ledger';
import { EXECUTOR_OPTIONS, type ExecutorOptions } from './executor.options';
import { ExecutorMetrics } from './executor-metrics';
import { ExpressionWorkers } from './expression-workers';
import { JobWaits } from './job-waits';
import { Approvals } from './approvals';
import { commandSpan, jobRunSpan, recordControlSteps, recordJobStatus, recordStepResult } from './job-spans';
import { RecipeCatalog } from './recipe-catalog';
import { redact } from './redact';
import { REDACTED, SensitiveFields, redactPaths } from './sensitive-fields';
import { StepInvoker, invokeDeadlineMs } from './step-invoker';
import { engineState, storedState } from './stored-state';
import { withTriggerRefs } from './trigger-refs';

/**
 * The dispatcher's view of one job this worker drives. The lease is renewed only while the driver
 * is within what it said it waits for: a promise that never settles (a lost reply nobody noticed, a
 * hung call) must not keep the job `running` under a live lease forever.
 */
export interface LeaseView {
  /** Whether this worker still holds the job's lease (false once taken, given up as stalled, or at shutdown). */
  holds(): boolean;
  /** The driver starts waiting on `what`, expected to end by `until` (epoch ms); the returned function says it ended. */
  awaiting(what: string, until: number): () => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// in-memory waits notice a lost lease or a shutdown this often
const WAIT_SLICE_MS = 250;
// how long a checkpoint is retried while Postgres is away before the driver gives the job up
const PERSIST_RETRY_MAX_MS = 60_000;
// expected bound of one advance + checkpoint (expressions, the sensitive-field lookup, the write and its
// retries while Postgres is away), and of a callRecipe's few queries: past it the driver counts as stuck
const STORE_BOUND_MS = PERSIST_RETRY_MAX_MS + 30_000;

/**
 * Drives one claimed job through the engine: advance → checkpoint (state + step rows, one
 * compare-and-set statement) → run the commands → advance with each result as it comes, until
 * the job ends, only sleeps past `inMemoryWaitMaxMs` remain, or the lease is lost. A parallel
 * forEach issues several commands: they run at once (never more than the engine issued), and each
 * completion is its own advance and checkpoint, one at a time. Nothing runs before the checkpoint
 * that issued it is committed, so a crash re-drives from the last committed state with the same
 * idempotency keys, with one exception (`foldable`): a new job's first advance that issues only
 * calls is not checkpointed on its own; its records go with the next checkpoint, and a crash
 * before that recomputes it from the trigger on the same clock (docs/guarantees.md).
 */
@Injectable()
export class JobDriver {
  private readonly metrics?: ExecutorMetrics;

  constructor(
    private readonly dataSource: DataSource,
    private readonly catalog: RecipeCatalog,
    private readonly invoker: StepInvoker,
    private readonly children: ChildJobs,
    private readonly sensitive: SensitiveFields,
    private readonly expressions: ExpressionWorkers,
    private readonly ledger: EffectLedger,
    private readonly waits: JobWaits,
    @Inject(EXECUTOR_OPTIONS) private readonly options: ExecutorOptions,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Optional() metrics?: ServiceMetrics,
    // optional only so tests that build a driver by hand without approval steps need not make one
    @Optional() private readonly approvals?: Approvals,
  ) {
    this.metrics = metrics && ExecutorMetrics.of(metrics);
  }

  /** Drives the job inside its `job run` span, which continues the trace of the event that made it. */
  drive(row: JobRow, lease: LeaseView): Promise<void> {
    return traced('job run', jobRunSpan(row), (span) => this.driveJob(row, lease, span));
  }

  private async driveJob(row: JobRow, lease: LeaseView, span: SpanRecorder): Promise<void> {
    const jobs = new JobRepository(this.dataSource.manager);
    const owner = this.options.workerId;
    const recipe = await within(lease, 'recipe definition', Date.now() + STORE_BOUND_MS, () => this.catalog.get(row.recipeId, row.recipeVersion));
    if (!recipe) {
      this.logger.error({ jobId: row.id, recipeId: row.recipeId, version: row.recipeVersion }, 'job of an unknown recipe version');
      return;
    }
    const effects = this.ledger.scope(recipe.settings?.onUncertain);
    let revision = row.revision;
    // A new job's first advance runs on the time it was first claimed (claim_jobs sets started_at
    // once), not this process's clock: a re-drive that recomputes it gets the same $now and deadline.
    const fresh = !row.state;
    let clock = fresh && row.startedAt ? new Date(row.startedAt).getTime() : undefined;
    let state: JobState = row.state
      ? engineState(row)
      : start(recipe, row.trigger, row.id, {
          now: clock ?? Date.now(),
          job: { recipeId: row.recipeId, recipeVersion: row.recipeVersion, workspaceId: row.workspaceId, dedupeKey: row.dedupeKey },
        });
    // past its deadline already (re-driven late): the first advance runs on the real clock and times the job out
    if (clock !== undefined && state.deadline !== undefined && Date.now() >= state.deadline) clock = undefined;
    let result: StepResult | undefined;
    // the records of an advance not checkpointed on its own: written by the next checkpoint
    let deferred: { records: StepRecord[]; now: number } | undefined;
    let firstAdvance = true;
    // commands running now, by identity (the engine re-issues pending ones unchanged on every advance)
    const inFlight = new Map<string, Promise<Completion>>();
    // when the current attempt of each invoke/call was sent: its step row's started_at
    const issuedAt = new Map<string, number>();

    for (;;) {
      const now = clock ?? Date.now();
      clock = undefined;
      let step;
      try {
        step = await within(lease, 'advance', now + STORE_BOUND_MS, () => advance(recipe, state, { now, result, offload: this.expressions.pool }));
      } catch (error) {
        if (error instanceof StaleResultError) return;
        throw error;
      }
      const { command, commands } = step;
      const finished = command.type === 'finish';
      recordControlSteps(step.records);
      // the lease is given up only when every issued command is a long wait (a parallel forEach's
      // lanes all backing off); otherwise long waits are slept in memory beside the running lanes
      const waits = commands.filter((c): c is WaitCommand => c.type === 'wait');
      const longWait = !finished && waits.length === commands.length && waits.every((c) => c.until - now > this.options.inMemoryWaitMaxMs);
      const reply = commands.find((c): c is RespondCommand => c.type === 'respond');
      const rowsOf = (records: StepRecord[], at: number) =>
        Promise.all(
          records.map(async (r) =>
            stepRow(
              await this.withoutSensitive(row.workspaceId, compileRecipe(recipe).steps.get(r.stepId)?.action, r),
              step.state.group,
              r.kind === 'action' || r.kind === 'callRecipe' ? (issuedAt.get(r.stepKey) ?? at) : at,
              at,
              row.trigger,
            ),
          ),
        );
      const fold = firstAdvance && fresh && !finished && foldable(recipe, commands, step.state.deadline);
      firstAdvance = false;
      if (fold) {
        // every command is a call whose intent the effect ledger commits before sending it: that is
        // the durable record; the rest of this advance is recomputed from the trigger if need be
        deferred = { records: step.records, now };
        recordJobStatus(span, 'running');
      } else {
        const before = deferred;
        const next = await this.persist(lease, async () =>
          jobs.checkpoint(row.id, owner, revision, {
            state: storedState(step.state),
            status: finished ? (step.state.status as JobRowStatus) : 'running',
            steps: [...(before ? await rowsOf(before.records, before.now) : []), ...(await rowsOf(step.records, now))],
            ...(reply ? { reply: { status: reply.status, headers: reply.headers, body: reply.body } } : {}),
            error: finished && step.state.error ? (redact(step.state.error) as Record<string, unknown>) : null,
            deadlineAt: step.state.deadline !== undefined ? new Date(step.state.deadline) : null,
            wakeAt: longWait ? new Date(Math.min(...waits.map((c) => c.until))) : null,
            finished,
          }),
        );
        if (next === undefined) return; // cancelled, timed out or re-claimed: another writer owns the job now
        const actionOf = (r: StepRecord) => compileRecipe(recipe).steps.get(r.stepId)?.action;
        if (before) this.metrics?.checkpointed(before.records, undefined, actionOf, (r) => issuedAt.get(r.stepKey) ?? before.now, before.now);
        deferred = undefined;
        this.metrics?.checkpointed(step.records, result, actionOf, (r) => issuedAt.get(r.stepKey) ?? now, now);
        if (finished) this.metrics?.finished(step.state.status);
        // inside the job's span: the line carries the job's traceId and spanId (debug: one per job)
        if (finished) this.logger.debug({ jobId: row.id, status: step.state.status }, 'job finished');
        recordJobStatus(span, finished ? step.state.status : longWait ? 'waiting' : 'running');
        revision = next;
      }
      state = step.state;
      // checked after the checkpoint, so a result already in hand is kept when the lease goes (shutdown, takeover)
      if (finished || !lease.holds()) return;
      if (longWait) return; // the lease is given up; the dispatcher claims the job again when due

      const awaiting = commands.find((c): c is AwaitCommand => c.type === 'await');
      if (awaiting) {
        // waitFor/approval: resolved now (a buffered event, or the timeout passed), or the job gives
        // its lease up in the same transaction and sleeps until an event or the timeout wakes it
        if (commands.length > 1) throw new Error(`job ${row.id}: an await beside other commands (waits are refused in parallel lanes)`);
        const waited = await within(lease, commandId(awaiting), Date.now() + STORE_BOUND_MS, async () => {
          // a decision stored but not delivered (a crash between the two) is delivered first (approvals.ts)
          if (awaiting.event.name === APPROVAL_EVENT && this.approvals) await this.approvals.redeliver(row.workspaceId, awaiting.event.key);
          return this.waits.await(row, awaiting, { owner, revision });
        });
        if ('result' in waited) {
          result = waited.result;
          continue;
        }
        if ('parked' in waited) recordJobStatus(span, 'waiting');
        return;
      }

      // Commands no longer issued belong to lanes a failure abandoned: their results are ignored
      // (the calls themselves cannot be taken back). New ones start now, after their checkpoint.
      const live = new Set<string>();
      for (const c of commands) {
        const id = commandId(c);
        live.add(id);
        if (inFlight.has(id)) continue;
        if (c.type === 'invoke' || c.type === 'call') issuedAt.set(c.stepKey, Date.now());
        // a failure is carried as a value: a command nobody awaits any more must not reject unhandled
        inFlight.set(
          id,
          this.run(row, c, lease, effects).then(
            (outcome) => ({ id, ...outcome }),
            (error: unknown) => ({ id, failure: { error } }),
          ),
        );
      }
      for (const id of [...inFlight.keys()]) if (!live.has(id)) inFlight.delete(id);
      if (inFlight.size === 0) throw new Error(`job ${row.id}: the engine issued no command to wait for`);

      const done = await Promise.race(inFlight.values());
      inFlight.delete(done.id);
      if (done.failure) throw done.failure.error;
      if (done.park) {
        // a called recipe has not finished: sleep on it without holding a worker (callRecipe is
        // refused inside parallel forEach bodies, so nothing else is in flight here)
        const parked = await this.persist(lease, () =>
          jobs.checkpoint(row.id, owner, revision, {
            state: storedState(state),
            status: 'running',
            steps: [],
            wakeAt: new Date(Date.now() + this.options.pollIntervalMs * 2),
          }),
        );
        if (parked === undefined) this.logger.warn({ jobId: row.id }, 'job changed while parking on a called recipe');
        return;
      }
      result = done.result;
    }
  }

  /**
   * A checkpoint write, tried again while Postgres is away and this worker still holds the lease:
   * the result in hand is kept and written the moment the server is back, instead of the driver
   * giving up and the job waiting for its lease to run out, then re-sending a step already done.
   * Fenced like any checkpoint: if another worker took the job meanwhile, the write is refused.
   */
  private persist<T>(lease: LeaseView, write: () => Promise<T>): Promise<T> {
    const since = Date.now();
    return within(lease, 'checkpoint', since + STORE_BOUND_MS, async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await write();
        } catch (error) {
          if (!isServerUnavailable(error) || !lease.holds() || Date.now() - since > PERSIST_RETRY_MAX_MS) throw error;
          await sleep(Math.min(2_000, 250 * 2 ** attempt));
        }
      }
    });
  }

  /**
   * Runs one command: a step result, nothing (a wait that ended), or `park` (a child job still running).
   * Each is its own expected wait, so parallel lanes are tracked apart (the latest deadline counts).
   */
  private run(row: JobRow, command: Command, lease: LeaseView, effects: EffectScope): Promise<{ result?: StepResult; park?: true }> {
    const until = command.type === 'invoke' ? Date.now() + invokeDeadlineMs(command) : command.type === 'wait' ? command.until : Date.now() + STORE_BOUND_MS;
    if (command.type === 'finish') return within(lease, commandId(command), until, () => this.runCommand(row, command, lease, effects));
    const { name, spec } = commandSpan(command);
    return within(lease, commandId(command), until, () =>
      traced(name, spec, async (span) => {
        const outcome = await this.runCommand(row, command, lease, effects);
        recordStepResult(span, outcome.result, outcome.park === true);
        return outcome;
      }),
    );
  }

  private async runCommand(row: JobRow, command: Command, lease: LeaseView, effects: EffectScope): Promise<{ result?: StepResult; park?: true }> {
    switch (command.type) {
      case 'invoke':
        // through the effect ledger: intent committed before the send, outcome after (docs/guarantees.md)
        return { result: { ...(await this.ledger.invoke(row, command, effects, () => this.invoker.invoke(row, command))), stepKey: command.stepKey } };
      case 'wait':
        // ends early when the lease is lost: the next checkpoint then fails or the lease check stops the driver
        while (Date.now() < command.until && lease.holds()) await sleep(Math.min(WAIT_SLICE_MS, command.until - Date.now()));
        return {};
      case 'respond':
        return { result: { ok: true, stepKey: command.stepKey } };
      case 'call': {
        const outcome = await this.children.call(row, command);
        return outcome ? { result: { ...outcome, stepKey: command.stepKey } } : { park: true };
      }
      case 'await':
        throw new Error('an await command is run by the drive loop, not as an in-flight command');
      case 'approval':
        // stored once per (job, step key, attempt group): a re-drive gets the same approval and links (approvals.ts)
        if (!this.approvals) throw new Error('this driver was built without the Approvals service');
        return { result: await this.approvals.create(row, command) };
      case 'finish':
        return {};
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

// per recipe version: whether a first advance of its jobs gives the same commands when computed again
const recomputable = new WeakMap<Recipe, boolean>();

/**
 * Whether a new job's first advance may go without its own checkpoint (its records written by the
 * next one): every command is an `invoke`, whose intent the effect ledger commits before the send;
 * a reply, a child call, an approval or a wait keeps its checkpoint. The advance must come out the
 * same when recomputed: not under keyed flow control (a deferral before any step row resets the
 * job's started_at, the clock it ran on), and no `$random()` (not seeded). Every call must end
 * before the job's deadline: until the next checkpoint the row's deadline_at is unset, so the
 * overdue sweep cannot see the job; a call that outlives its own bound loses the lease instead.
 */
function foldable(recipe: Recipe, commands: Command[], deadline: number | undefined): boolean {
  if (commands.length === 0 || !commands.every((c) => c.type === 'invoke')) return false;
  if (deadline !== undefined && commands.some((c) => c.type === 'invoke' && Date.now() + invokeDeadlineMs(c) > deadline)) return false;
  let ok = recomputable.get(recipe);
  if (ok === undefined) {
    ok = !keyedConcurrency(recipe) && !keyedThrottle(recipe) && !keyedDebounce(recipe) && !JSON.stringify(recipe).includes('$random');
    recomputable.set(recipe, ok);
  }
  return ok;
}

/** `work` as an expected wait the dispatcher knows of, ended however `work` ends. */
async function within<T>(lease: LeaseView, what: string, until: number, work: () => Promise<T>): Promise<T> {
  const ended = lease.awaiting(what, until);
  try {
    return await work();
  } finally {
    ended();
  }
}

type WaitCommand = Extract<Command, { type: 'wait' }>;
type AwaitCommand = Extract<Command, { type: 'await' }>;
type RespondCommand = Extract<Command, { type: 'respond' }>;
type Completion = { id: string; result?: StepResult; park?: true; failure?: { error: unknown } };

/** Whole input and output are withheld when the catalog cannot say which fields are sensitive. */
const WITHHELD = { input: undefined, output: undefined } as const;

/** A step's row; input values that are the trigger's own are stored as references to it (trigger-refs.ts). */
function stepRow(record: StepRecord, group: number, startedAt: number, finishedAt: number, trigger: unknown): NewStep {
  const { input, inputRef } = withTriggerRefs(redact(record.input) ?? null, trigger);
  return {
    stepId: record.stepId,
    stepKey: record.stepKey,
    kind: record.kind,
    // a step the effect ledger held back is shown as such, not as an ordinary failure
    status: record.status === 'failed' && record.error?.kind === 'uncertain' ? 'uncertain' : record.status,
    attempt: record.attempt ?? null,
    attemptGroup: group,
    input,
    ...(inputRef ? { inputRef } : {}),
    output: redact(record.output) ?? null,
    error: redact(record.error) ?? null,
    startedAt: new Date(startedAt),
    finishedAt: new Date(finishedAt),
  };
}
