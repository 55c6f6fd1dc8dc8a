import type { Recipe } from '@junction/executor/contracts';

import { parseDuration } from './duration';
import { type ClockBindings, clockBindings, type EvaluationContext, ExpressionError, type ExpressionOffload } from './expression';
import { finishCommand, isTerminal } from './job-lifecycle';
import { APPROVAL_EVENT, type ApprovalPending, approvalCommand, decisionOutput } from './approval-step';
import type { Advance, AdvanceInput, ApprovalTicket, BranchLane, Command, Frame, JobError, JobState, Lane, LaneFrame, Pending, StepRecord, StepResult } from './job-state';
import { StaleResultError } from './job-state';
import { type BranchesFrame, branchesFailure, joinedOutput, startBranches } from './parallel-branches';
import type { CompiledRecipe, CompiledStep } from './recipe-compiler';
import { decideRetry, drawFor, type StepErrorKind } from './retry';
import { render, type TemplateNode } from './template';
import { assignVars } from './vars';
import { compileRecipe } from './validate-recipe';

/** A forEach over more items than this fails: the list lives in every checkpoint of the job. */
export const MAX_FOREACH_ITEMS = 10_000;

/** A waitFor key (and an event's key) is at most this many characters. */
export const MAX_EVENT_KEY_LENGTH = 256;

/**
 * The next command for a job, given its state and the result of the command last returned.
 * Pure: the input state is not modified; the same arguments always give the same answer.
 */
export function advance(recipe: Recipe, state: JobState, input: AdvanceInput): Promise<Advance> {
  return new Run(compileRecipe(recipe), state, input.now, input.offload).advance(input.result);
}

const KNOWN_KINDS = new Set<StepErrorKind>(['retryable', 'rate_limited', 'fatal', 'auth', 'circuit_open', 'throttled', 'uncertain']);

/** JSONata truthiness: empty lists, empty objects, "", 0 and null are false. */
function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(truthy);
  if (value !== null && typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

/**
 * A cursor with its pending command: the job itself (root), one lane of a parallel forEach or one
 * branch of a parallel step. Running side by side is a tree of threads: a thread whose top frame
 * is `parallel` or `branches` owns that frame's lanes. The engine stays one deterministic pass per
 * advance: it walks the tree in a fixed order (lanes in the order they started) and runs every
 * thread that is not waiting on a command until it is; results are routed to a lane by the step
 * key they answer. `error`: a branch that failed under mode `all`, stopped until the join.
 */
type Thread = { stack: Frame[]; pending: Pending | null; error?: JobError };
type ParallelFrame = Extract<Frame, { kind: 'parallel' }>;
/**
 * What running a thread came to: waiting on commands, its cursor ran out, it failed and waits for
 * the join (a branch under mode `all`), or cut short (job ended, or a failure unwound to an outer thread).
 */
type RunOutcome = 'blocked' | 'done' | 'failed' | 'abort';

const hasLanes = (f: Frame | undefined): f is LaneFrame => f?.kind === 'parallel' || f?.kind === 'branches';

function copyFrame(f: Frame): Frame {
  if (f.kind === 'parallel') return { ...f, lanes: f.lanes.map(copyLane) };
  if (f.kind === 'branches') return { ...f, lanes: f.lanes.map(copyBranch) };
  return { ...f };
}

function copyLane(l: Lane): Lane {
  return { index: l.index, stack: l.stack.map(copyFrame), pending: l.pending && { ...l.pending } };
}

function copyBranch(l: BranchLane): BranchLane {
  const copy: BranchLane = { branch: l.branch, stack: l.stack.map(copyFrame), pending: l.pending && { ...l.pending } };
  if (l.error) copy.error = l.error;
  return copy;
}

/** Every thread with a pending command, each as its path from the root, in the fixed walk order. */
function pendingPaths(root: Thread): Thread[][] {
  const out: Thread[][] = [];
  const walk = (path: Thread[]) => {
    const t = path[path.length - 1];
    // a failed branch's inner lanes were abandoned with it
    if (t.error) return;
    if (t.pending) out.push(path);
    const top = t.stack[t.stack.length - 1];
    if (hasLanes(top)) for (const lane of top.lanes) walk([...path, lane]);
  };
  walk([root]);
  return out;
}

/** One advance over a private copy of the state. */
class Run {
  private readonly s: JobState;
  private readonly records: StepRecord[] = [];
  private clock?: ClockBindings;
  /** The thread being run and its ancestors: [root state, lane, inner lane…]. */
  private path: Thread[];
  /** Depth of the thread whose try caught a failure during this pass (-1: none); deeper threads stop. */
  private unwindTo = -1;

  constructor(
    private readonly recipe: CompiledRecipe,
    state: JobState,
    private readonly now: number,
    private readonly offload?: ExpressionOffload,
  ) {
    this.s = {
      ...state,
      steps: { ...state.steps },
      vars: { ...state.vars },
      stack: state.stack.map(copyFrame),
      pending: state.pending && { ...state.pending },
    };
    this.path = [this.s];
  }

  async advance(result: StepResult | undefined): Promise<Advance> {
    const s = this.s;
    if (isTerminal(s)) return this.emit();
    // A result that arrives past the deadline is still recorded; then the job times out.
    const overdue = s.deadline !== undefined && this.now >= s.deadline;
    const pending = pendingPaths(s);
    let target: Thread[] | undefined;
    if (result) {
      target = result.stepKey === undefined ? (pending.length === 1 ? pending[0] : undefined) : pending.find((p) => p[p.length - 1].pending?.stepKey === result.stepKey);
      if (!target && result.stepKey === undefined && pending.length > 1) throw new Error(`a result must name its stepKey while ${pending.length} commands are pending`);
      if (!target) throw new StaleResultError(result.stepKey ?? '(no pending step)', undefined, result.attempt ?? 0);
    }
    if (overdue && !target) {
      this.timeOut(pending[0]?.[pending[0].length - 1].pending ?? null);
      return this.emit();
    }
    if (target) {
      const p = target[target.length - 1].pending as Pending;
      this.path = target;
      this.resume(p, result);
      this.path = [s];
      this.unwindTo = -1;
      if (overdue) {
        if (!isTerminal(s)) this.timeOut(p);
        return this.emit();
      }
      if (isTerminal(s)) return this.emit();
    }
    // Due waits of every other lane move on too; pending invokes are left as they are (re-issued).
    for (const path of pendingPaths(s)) {
      if (path === target || path[path.length - 1] === target?.[target.length - 1]) continue;
      this.path = path;
      this.resume(path[path.length - 1].pending as Pending, undefined);
    }
    this.path = [s];
    if ((await this.run()) === 'done') s.status = 'succeeded';
    return this.emit();
  }

  private timeOut(pending: Pending | null): void {
    const s = this.s;
    const error: JobError = {
      stepId: pending?.stepId ?? '',
      stepKey: pending?.stepKey ?? '',
      kind: 'timeout',
      message: `job exceeded its timeout (deadline ${new Date(s.deadline ?? 0).toISOString()})`,
    };
    this.failJob(error, true);
  }

  private emit(): Advance {
    const s = this.s;
    if (isTerminal(s)) {
      const command = finishCommand(s);
      return { state: s, command, commands: [command], records: this.records };
    }
    const commands = s.pending ? [this.commandFor(s.pending)] : pendingPaths(s).map((p) => this.commandFor(p[p.length - 1].pending as Pending));
    return { state: s, command: commands[0], commands, records: this.records };
  }

  private get thread(): Thread {
    return this.path[this.path.length - 1];
  }

  private top(): Frame | undefined {
    const stack = this.thread.stack;
    return stack[stack.length - 1];
  }

  private step(id: string): CompiledStep {
    const step = this.recipe.steps.get(id);
    if (!step) throw new Error(`job state names step "${id}", which this recipe version does not have`);
    return step;
  }

  /** Step id plus the index of every enclosing forEach iteration (a lane's item for a parallel one): `post[2][0]`. */
  private stepKeyFor(stepId: string): string {
    let key = stepId;
    const path = this.path;
    for (let d = 0; d < path.length; d++) {
      for (const frame of path[d].stack) {
        if (frame.kind === 'forEach') key += `[${frame.index}]`;
        else if (frame.kind === 'parallel' && d + 1 < path.length) key += `[${(path[d + 1] as Lane).index}]`;
      }
    }
    return key;
  }

  private context(): EvaluationContext {
    const s = this.s;
    const ctx: EvaluationContext = { trigger: s.trigger, steps: s.steps, vars: s.vars, job: s.job };
    const path = this.path;
    for (let d = 0; d < path.length; d++) {
      for (const frame of path[d].stack) {
        let index: number;
        if (frame.kind === 'forEach') index = frame.index;
        else if (frame.kind === 'parallel' && d + 1 < path.length) index = (path[d + 1] as Lane).index;
        else continue;
        const item = frame.items[index];
        ctx['item'] = item;
        ctx['index'] = index;
        const as = this.step(frame.stepId).as;
        if (as) ctx[as] = item;
      }
    }
    return ctx;
  }

  private evaluate(node: TemplateNode): unknown {
    if (node.kind === 'const') return node.value;
    this.clock ??= clockBindings(this.now, this.offload);
    return render(node, this.context(), this.clock);
  }

  private idempotencyKey(stepKey: string): string {
    return `${this.s.jobId}:${stepKey}:${this.s.group}`;
  }

  private commandFor(p: Pending): Command {
    switch (p.kind) {
      case 'invoke': {
        if (p.waitUntil !== undefined) return { type: 'wait', until: p.waitUntil, reason: p.waitReason ?? 'retry', stepId: p.stepId, stepKey: p.stepKey };
        const step = this.step(p.stepId);
        if (step.kind === 'callRecipe') {
          return {
            type: 'call',
            stepId: p.stepId,
            stepKey: p.stepKey,
            recipeId: step.recipeId ?? '',
            input: p.input,
            wait: step.wait ?? true,
            attempt: p.attempt,
            idempotencyKey: this.idempotencyKey(p.stepKey),
          };
        }
        const command: Command = {
          type: 'invoke',
          stepId: p.stepId,
          stepKey: p.stepKey,
          action: step.action ?? '',
          input: p.input,
          attempt: p.attempt,
          maxAttempts: step.retry.maxAttempts,
          idempotencyKey: this.idempotencyKey(p.stepKey),
        };
        if (step.connection !== undefined) command.connection = step.connection;
        if (step.timeoutMs !== undefined) command.timeoutMs = step.timeoutMs;
        return command;
      }
      case 'delay':
        return { type: 'wait', until: p.until, reason: 'delay', stepId: p.stepId, stepKey: p.stepKey };
      case 'respond':
        return { type: 'respond', stepId: p.stepId, stepKey: p.stepKey, ...p.response };
      case 'await':
        return { type: 'await', stepId: p.stepId, stepKey: p.stepKey, event: { ...p.event }, until: p.until };
      case 'approval':
        return approvalCommand(p, this.step(p.stepId), this.idempotencyKey(p.stepKey));
    }
  }

  /**
   * Completes the pending command of the current thread with `result`, or (without one) moves a
   * due wait on. The thread's `pending` stays set while it still waits on the outside world.
   */
  private resume(p: Pending, result: StepResult | undefined): void {
    const s = this.s;
    if (p.kind === 'delay') {
      if (this.now >= p.until) this.complete(this.step(p.stepId), p.stepKey, { until: p.until });
      return;
    }
    if (p.kind === 'respond') {
      if (result) this.complete(this.step(p.stepId), p.stepKey, p.response);
      return;
    }
    if (p.kind === 'approval') return this.resumeApproval(p, result);
    if (p.kind === 'await') return this.resumeAwait(p, result);
    if (p.waitUntil !== undefined) {
      // A late result of the attempt that already failed changes nothing while we wait.
      if (this.now < p.waitUntil) return;
      delete p.waitUntil;
      delete p.waitReason;
      return;
    }
    if (!result) return;
    if (result.attempt !== undefined && result.attempt !== p.attempt) throw new StaleResultError(p.stepKey, p.attempt, result.attempt);
    const step = this.step(p.stepId);
    if (result.ok) {
      this.complete(step, p.stepKey, result.output ?? null, p.input, p.attempt);
      return;
    }

    const raw = result.error ?? { kind: 'fatal', message: 'failed without an error' };
    const kind: StepErrorKind = raw.kind !== 'timeout' && KNOWN_KINDS.has(raw.kind) ? raw.kind : 'fatal';
    const error: JobError = { stepId: p.stepId, stepKey: p.stepKey, kind, message: String(raw.message ?? ''), attempt: p.attempt };
    if (raw.details !== undefined) error.details = raw.details;
    const draw = drawFor(s.seed, `${p.stepKey}#${s.group}#${p.attempt}#${p.deferrals}`);
    const decision = decideRetry({ kind, retryAfterMs: raw.retryAfterMs }, p.attempt, p.deferrals, step.retry, draw);
    if (decision.retry) {
      this.records.push({
        stepId: p.stepId,
        stepKey: p.stepKey,
        kind: step.kind,
        status: decision.countsAsAttempt ? 'retrying' : 'deferred',
        attempt: p.attempt,
        input: p.input,
        error,
      });
      if (decision.countsAsAttempt) p.attempt += 1;
      else p.deferrals += 1;
      p.waitUntil = this.now + decision.delayMs;
      p.waitReason = decision.countsAsAttempt ? 'retry' : 'deferred';
      return;
    }
    this.thread.pending = null;
    if (kind === 'retryable' || kind === 'rate_limited') error.message = `${error.message} (gave up after ${p.attempt} attempts)`;
    this.fail(step, error, p.input);
  }

  /** Stores a step's output and moves the cursor past it. */
  private complete(step: CompiledStep, stepKey: string, output: unknown, input?: unknown, attempt?: number): void {
    this.s.steps[step.id] = output;
    this.thread.pending = null;
    const record: StepRecord = { stepId: step.id, stepKey, kind: step.kind, status: 'succeeded', output };
    if (input !== undefined) record.input = input;
    if (attempt !== undefined) record.attempt = attempt;
    this.records.push(record);
    const frame = this.top();
    if (frame?.kind === 'list') frame.index += 1;
  }

  /**
   * A step failed for good: the nearest enclosing `try` (still in its try phase) takes the error
   * and runs its catch; with none, the job fails with its cursor left on the step for a rerun.
   */
  private fail(step: CompiledStep, error: JobError, input?: unknown): void {
    const record: StepRecord = { stepId: step.id, stepKey: error.stepKey, kind: step.kind, status: 'failed', error };
    if (input !== undefined) record.input = input;
    if (error.attempt !== undefined) record.attempt = error.attempt;
    this.records.push(record);
    this.failJob(error);
  }

  /**
   * The nearest `try` in its try phase is looked for in the current thread, then (a lane failed
   * for good: its forEach or parallel step fails) below the lane frame in each enclosing thread.
   * Catching there cuts the stack above the try, which drops the lane frame and every lane in it:
   * their in-flight commands are abandoned and their results become stale. A branch of a parallel
   * step in mode `all` stops there instead: it keeps its error until the other branches end.
   */
  private failJob(error: JobError, jobDeadline = false): void {
    const s = this.s;
    const path = this.path;
    // an uncertain step is left for a person to review: no try may paper over a call that may have run;
    // the job's own deadline ends it whatever the steps say (a step's timeout, e.g. an approval's, is caught)
    if (!jobDeadline && error.kind !== 'stopped' && error.kind !== 'uncertain') {
      for (let d = path.length - 1; d >= 0; d--) {
        const stack = path[d].stack;
        const owner = d < path.length - 1 ? stack[stack.length - 1] : undefined;
        if (owner?.kind === 'branches' && this.step(owner.stepId).mode === 'all') {
          const branch = path[d + 1];
          branch.error = error;
          branch.pending = null;
          this.unwindTo = d + 1;
          return;
        }
        // in an enclosing thread the top frame is the lane frame that just failed
        for (let i = d === path.length - 1 ? stack.length - 1 : stack.length - 2; i >= 0; i--) {
          const frame = stack[i];
          if (frame.kind !== 'try' || frame.phase !== 'try') continue;
          stack.length = i + 1;
          path[d].pending = null;
          frame.phase = 'catch';
          s.steps[frame.stepId] = { failed: true, error };
          const catchList = this.step(frame.stepId).lists.catch;
          if (catchList) stack.push({ kind: 'list', list: catchList, index: 0 });
          this.unwindTo = d;
          return;
        }
      }
    }
    s.status = 'failed';
    s.error = error;
    this.thread.pending = null;
  }

  /** Runs the current thread until it waits on the outside world, its cursor runs out, or the job ends. */
  private async run(): Promise<RunOutcome> {
    const s = this.s;
    const t = this.thread;
    const depth = this.path.length - 1;
    for (;;) {
      if (isTerminal(s)) return 'abort';
      if (this.unwindTo >= 0) {
        if (this.unwindTo < depth) return 'abort';
        this.unwindTo = -1;
      }
      if (t.pending?.kind === 'approval' && t.pending.phase === 'notify' && t.pending.input === undefined) {
        await this.renderNotify(t.pending);
        continue;
      }
      if (t.pending) return 'blocked';
      if (t.error) return 'failed';
      const frame = t.stack[t.stack.length - 1];
      if (!frame) return 'done';
      if (hasLanes(frame)) {
        if ((await (frame.kind === 'parallel' ? this.runLanes(frame) : this.runBranches(frame))) === 'blocked') return 'blocked';
        continue;
      }
      if (frame.kind !== 'list') {
        this.leaveContainer(frame);
        continue;
      }
      const list = this.recipe.lists.get(frame.list);
      if (!list) throw new Error(`job state names step list "${frame.list}", which this recipe version does not have`);
      if (frame.index >= list.length) {
        t.stack.pop();
        continue;
      }
      await this.enter(list[frame.index], frame);
    }
  }

  /**
   * Runs every lane of a parallel forEach (in the order they started), removes finished ones and
   * starts new iterations while fewer than `concurrency` run. 'blocked' while lanes wait on
   * commands; otherwise the frame is gone (all items done, or a failure unwound past it).
   */
  private async runLanes(frame: ParallelFrame): Promise<RunOutcome> {
    const step = this.step(frame.stepId);
    const limit = step.concurrency ?? 1;
    const body = step.lists.body as string;
    for (let i = 0; i < frame.lanes.length; ) {
      const outcome = await this.runLane(frame.lanes[i]);
      if (outcome === 'abort') return 'abort';
      if (outcome === 'done') frame.lanes.splice(i, 1);
      else i++;
    }
    while (frame.lanes.length < limit && frame.next < frame.items.length) {
      const lane: Lane = { index: frame.next, stack: [{ kind: 'list', list: body, index: 0 }], pending: null };
      frame.next += 1;
      frame.lanes.push(lane);
      const outcome = await this.runLane(lane);
      if (outcome === 'abort') return 'abort';
      if (outcome === 'done') frame.lanes.pop();
    }
    if (frame.lanes.length > 0) return 'blocked';
    this.thread.stack.pop();
    this.s.steps[step.id] = { count: frame.items.length };
    this.record(step, { count: frame.items.length });
    return 'done';
  }

  /**
   * Runs every branch of a parallel step (in document order) and removes completed ones. 'blocked'
   * while a branch still runs; once every branch completed, the step's output is the join of theirs.
   * Under mode `all`, once every branch ended and some failed, the step fails (its frame stays for a rerun).
   */
  private async runBranches(frame: BranchesFrame): Promise<RunOutcome> {
    for (let i = 0; i < frame.lanes.length; ) {
      const outcome = await this.runLane(frame.lanes[i]);
      if (outcome === 'abort') return 'abort';
      if (outcome === 'done') frame.lanes.splice(i, 1);
      else i++;
    }
    if (frame.lanes.some((lane) => !lane.error)) return 'blocked';
    const step = this.step(frame.stepId);
    const stepKey = this.stepKeyFor(step.id);
    if (frame.lanes.length > 0) {
      const error = branchesFailure(step, stepKey, frame.lanes);
      this.records.push({ stepId: step.id, stepKey, kind: step.kind, status: 'failed', error });
      this.failJob(error);
      return 'abort';
    }
    this.thread.stack.pop();
    const output = joinedOutput(step, this.recipe, this.s.steps);
    this.s.steps[step.id] = output;
    this.record(step, output);
    return 'done';
  }

  /** Runs one lane (a forEach iteration or a branch) as the current thread. */
  private async runLane(lane: Thread): Promise<RunOutcome> {
    this.path.push(lane);
    try {
      return await this.run();
    } finally {
      this.path.pop();
    }
  }

  /** The list above a container ended (or it has none): the next iteration, or past try/catch. */
  private leaveContainer(frame: Exclude<Frame, { kind: 'list' | 'parallel' | 'branches' }>): void {
    const s = this.s;
    const stack = this.thread.stack;
    const step = this.step(frame.stepId);
    if (frame.kind === 'forEach') {
      frame.index += 1;
      if (frame.index < frame.items.length && step.lists.body) {
        stack.push({ kind: 'list', list: step.lists.body, index: 0 });
        return;
      }
      stack.pop();
      this.record(step, { count: frame.items.length });
      s.steps[step.id] = { count: frame.items.length };
      return;
    }
    stack.pop();
    if (frame.phase === 'try') s.steps[step.id] = { failed: false };
    this.record(step, s.steps[step.id]);
  }

  private record(step: CompiledStep, output: unknown): void {
    this.records.push({ stepId: step.id, stepKey: this.stepKeyFor(step.id), kind: step.kind, status: 'succeeded', output });
  }

  /** Runs one step at the cursor of the current thread; a step that needs the outside world leaves a pending command. */
  private async enter(step: CompiledStep, frame: Extract<Frame, { kind: 'list' }>): Promise<void> {
    const s = this.s;
    const t = this.thread;
    const stepKey = this.stepKeyFor(step.id);
    let value: unknown;
    try {
      value = this.evaluate(step.value);
      if (value instanceof Promise) value = await value;
      if (step.kind === 'delay' && step.delay?.kind === 'until') value = this.untilOf(value);
      else if (step.kind === 'delay') value = this.durationOf(value);
    } catch (error) {
      if (!(error instanceof ExpressionError) && !(error instanceof StepInputError)) throw error;
      const kind = error instanceof ExpressionError ? 'expression' : 'invalid';
      return this.fail(step, { stepId: step.id, stepKey, kind, message: error.message });
    }
    switch (step.kind) {
      case 'action':
      case 'callRecipe':
        t.pending = { kind: 'invoke', stepId: step.id, stepKey, input: value, attempt: 1, deferrals: 0 };
        return;
      case 'set': {
        // inside parallel lanes, vars are written in the order iterations complete their `set`
        const values = (value ?? {}) as Record<string, unknown>;
        assignVars(s.vars, values);
        return this.complete(step, stepKey, values);
      }
      case 'if': {
        const branch = truthy(value) ? 'then' : 'else';
        this.complete(step, stepKey, { branch });
        const list = step.lists[branch];
        if (list) t.stack.push({ kind: 'list', list, index: 0 });
        return;
      }
      case 'forEach': {
        const items = value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
        if (items.length > MAX_FOREACH_ITEMS) {
          return this.fail(step, { stepId: step.id, stepKey, kind: 'invalid', message: `forEach over ${items.length} items; at most ${MAX_FOREACH_ITEMS} are allowed` });
        }
        frame.index += 1;
        if (items.length === 0 || !step.lists.body) {
          s.steps[step.id] = { count: items.length };
          this.record(step, { count: items.length });
          return;
        }
        if (step.concurrency) t.stack.push({ kind: 'parallel', stepId: step.id, items, next: 0, lanes: [] });
        else t.stack.push({ kind: 'forEach', stepId: step.id, items, index: 0 }, { kind: 'list', list: step.lists.body, index: 0 });
        return;
      }
      case 'parallel':
        frame.index += 1;
        t.stack.push(startBranches(step));
        return;
      case 'try':
        frame.index += 1;
        t.stack.push({ kind: 'try', stepId: step.id, phase: 'try' });
        if (step.lists.try) t.stack.push({ kind: 'list', list: step.lists.try, index: 0 });
        return;
      case 'delay': {
        const until = value as number;
        if (until <= this.now) return this.complete(step, stepKey, { until });
        t.pending = { kind: 'delay', stepId: step.id, stepKey, until };
        return;
      }
      case 'respond': {
        const reply = (value ?? {}) as Record<string, unknown>;
        const status = reply['status'] === undefined ? 200 : Number(reply['status']);
        if (!Number.isInteger(status) || status < 100 || status > 599) {
          return this.fail(step, { stepId: step.id, stepKey, kind: 'invalid', message: `respond status ${JSON.stringify(reply['status'])} is not an HTTP status` });
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries((reply['headers'] ?? {}) as Record<string, unknown>)) headers[k] = typeof v === 'string' ? v : JSON.stringify(v);
        t.pending = { kind: 'respond', stepId: step.id, stepKey, response: { status, headers, body: reply['body'] ?? null } };
        return;
      }
      case 'approval': {
        const text = (value ?? {}) as { title?: unknown; description?: unknown };
        const title = text.title === null || text.title === undefined ? '' : typeof text.title === 'string' ? text.title : JSON.stringify(text.title);
        if (!title.trim()) return this.fail(step, { stepId: step.id, stepKey, kind: 'invalid', message: 'approval title is empty' });
        const description =
          text.description === null || text.description === undefined ? null : typeof text.description === 'string' ? text.description : JSON.stringify(text.description);
        const expiresAt = this.now + (step.approval?.timeoutMs ?? 0);
        t.pending = { kind: 'approval', stepId: step.id, stepKey, phase: 'create', title, description, expiresAt, attempt: 1, deferrals: 0 };
        return;
      }
      case 'waitFor': {
        const key = value === null || value === undefined ? '' : typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
        if (key === '' || key.length > MAX_EVENT_KEY_LENGTH) {
          const message = key === '' ? 'waitFor key rendered empty' : `waitFor key is ${key.length} characters; at most ${MAX_EVENT_KEY_LENGTH} are allowed`;
          return this.fail(step, { stepId: step.id, stepKey, kind: 'invalid', message });
        }
        t.pending = { kind: 'await', stepId: step.id, stepKey, event: { name: step.event ?? '', key }, until: this.now + (step.timeoutMs ?? 0) };
        return;
      }
      case 'stop': {
        const reason = value === null || value === undefined ? undefined : String(value);
        this.complete(step, stepKey, { reason: reason ?? null });
        const error: JobError = { stepId: step.id, stepKey, kind: 'stopped', message: reason ?? `stopped by step "${step.id}"` };
        if (step.failed) return this.failJob(error);
        s.status = 'stopped';
        if (reason !== undefined) s.error = error;
        return;
      }
    }
  }

  /**
   * An approval step moves create → notify (when it has one) → await. The notify call is retried
   * like an action; its input (links included) is not written to step records, only to the call.
   */
  private resumeApproval(p: ApprovalPending, result: StepResult | undefined): void {
    const step = this.step(p.stepId);
    if (p.waitUntil !== undefined) {
      if (this.now < p.waitUntil) return;
      delete p.waitUntil;
      delete p.waitReason;
      return;
    }
    if (!result) return;
    if (p.phase === 'create') {
      if (!result.ok) return this.failApproval(step, p, result.error.kind === 'timeout' ? 'fatal' : result.error.kind, result.error.message);
      p.ticket = result.output as ApprovalTicket;
      // the notify input is rendered by run(), where expressions may be awaited
      p.phase = step.approval?.notify ? 'notify' : 'await';
      return;
    }
    if (p.phase === 'notify') {
      if (result.attempt !== undefined && result.attempt !== p.attempt) throw new StaleResultError(p.stepKey, p.attempt, result.attempt);
      if (result.ok) {
        p.phase = 'await';
        delete p.input;
        p.attempt = 1;
        return;
      }
      const kind: StepErrorKind = result.error.kind !== 'timeout' && KNOWN_KINDS.has(result.error.kind) ? result.error.kind : 'fatal';
      const error: JobError = { stepId: p.stepId, stepKey: p.stepKey, kind, message: `notify (${step.action}): ${String(result.error.message ?? '')}`, attempt: p.attempt };
      const draw = drawFor(this.s.seed, `${p.stepKey}#${this.s.group}#${p.attempt}#${p.deferrals}`);
      const decision = decideRetry({ kind, retryAfterMs: result.error.retryAfterMs }, p.attempt, p.deferrals, step.retry, draw);
      if (decision.retry) {
        this.records.push({ stepId: p.stepId, stepKey: p.stepKey, kind: step.kind, status: decision.countsAsAttempt ? 'retrying' : 'deferred', attempt: p.attempt, error });
        if (decision.countsAsAttempt) p.attempt += 1;
        else p.deferrals += 1;
        p.waitUntil = this.now + decision.delayMs;
        p.waitReason = decision.countsAsAttempt ? 'retry' : 'deferred';
        return;
      }
      this.thread.pending = null;
      return this.fail(step, error);
    }
    if (result.ok) {
      const event = (result.output ?? {}) as { name?: unknown; data?: unknown };
      if (event.name !== undefined && event.name !== APPROVAL_EVENT) return;
      return this.complete(step, p.stepKey, decisionOutput(event.data));
    }
    if (result.error.kind === 'timeout') {
      return this.failApproval(step, p, 'timeout', `approval "${p.title}" was not decided before it expired at ${new Date(p.expiresAt).toISOString()}`);
    }
    this.failApproval(step, p, KNOWN_KINDS.has(result.error.kind as StepErrorKind) ? result.error.kind : 'fatal', result.error.message);
  }

  private failApproval(step: CompiledStep, p: ApprovalPending, kind: JobError['kind'], message: string): void {
    this.thread.pending = null;
    this.fail(step, { stepId: p.stepId, stepKey: p.stepKey, kind, message });
  }

  /** The notify input with `approval` bound to the stored approval's id, links and expiry. */
  private async renderNotify(p: ApprovalPending): Promise<void> {
    const step = this.step(p.stepId);
    const node = step.approval?.notify;
    try {
      let value: unknown = node ? (node.kind === 'const' ? node.value : this.renderWith(node, { approval: p.ticket ?? null })) : {};
      if (value instanceof Promise) value = await value;
      p.input = value ?? {};
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      this.failApproval(step, p, 'expression', error.message);
    }
  }

  private renderWith(node: TemplateNode, extra: Record<string, unknown>): unknown {
    this.clock ??= clockBindings(this.now, this.offload);
    return render(node, { ...this.context(), ...extra }, this.clock);
  }

  /**
   * A waitFor's answer: the event (its output), or the executor's word that `until` passed (a
   * `timeout` a `try` catches). Without a result the wait goes on: only the executor, which looks
   * for a delivered event first, decides that the time is up.
   */
  private resumeAwait(p: Extract<Pending, { kind: 'await' }>, result: StepResult | undefined): void {
    if (!result) return;
    const step = this.step(p.stepId);
    this.thread.pending = null;
    if (result.ok) return this.complete(step, p.stepKey, result.output ?? null);
    const message =
      result.error.kind === 'timeout'
        ? `no event "${p.event.name}" with key ${JSON.stringify(p.event.key)} arrived before ${new Date(p.until).toISOString()}`
        : String(result.error.message ?? '');
    this.fail(step, { stepId: p.stepId, stepKey: p.stepKey, kind: result.error.kind === 'timeout' ? 'timeout' : 'fatal', message });
  }

  private durationOf(value: unknown): number {
    const ms = parseDuration(value);
    if (ms === undefined) throw new StepInputError(`delay ${JSON.stringify(value)} is not a duration such as "15m"`);
    return this.now + ms;
  }

  private untilOf(value: unknown): number {
    const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
    if (!Number.isFinite(ms)) throw new StepInputError(`delay until ${JSON.stringify(value)} is not a timestamp (ISO 8601 or epoch ms)`);
    return ms;
  }
}

/** A step's resolved input is unusable (a delay that is no duration…): the step fails, not the engine. */
class StepInputError extends Error {}
