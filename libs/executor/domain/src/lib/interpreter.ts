import type { Recipe } from '@junction/executor/contracts';

import { parseDuration } from './duration';
import { type ClockBindings, clockBindings, type EvaluationContext, ExpressionError } from './expression';
import { finishCommand, isTerminal } from './job-lifecycle';
import type { Advance, AdvanceInput, Command, Frame, JobError, JobState, Pending, StepRecord, StepResult } from './job-state';
import { StaleResultError } from './job-state';
import type { CompiledRecipe, CompiledStep } from './recipe-compiler';
import { decideRetry, drawFor, type StepErrorKind } from './retry';
import { render, type TemplateNode } from './template';
import { compileRecipe } from './validate-recipe';

/** A forEach over more items than this fails: the list lives in every checkpoint of the job. */
export const MAX_FOREACH_ITEMS = 10_000;

/**
 * The next command for a job, given its state and the result of the command last returned.
 * Pure: the input state is not modified; the same arguments always give the same answer.
 */
export function advance(recipe: Recipe, state: JobState, input: AdvanceInput): Promise<Advance> {
  return new Run(compileRecipe(recipe), state, input.now).advance(input.result);
}

const KNOWN_KINDS = new Set<StepErrorKind>(['retryable', 'rate_limited', 'fatal', 'auth', 'circuit_open', 'throttled']);

/** JSONata truthiness: empty lists, empty objects, "", 0 and null are false. */
function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(truthy);
  if (value !== null && typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

type Outcome = Command | undefined;

/** One advance over a private copy of the state. */
class Run {
  private readonly s: JobState;
  private readonly records: StepRecord[] = [];
  private clock?: ClockBindings;

  constructor(
    private readonly recipe: CompiledRecipe,
    state: JobState,
    private readonly now: number,
  ) {
    this.s = {
      ...state,
      steps: { ...state.steps },
      vars: { ...state.vars },
      stack: state.stack.map((f) => ({ ...f })),
      pending: state.pending && { ...state.pending },
    };
  }

  async advance(result: StepResult | undefined): Promise<Advance> {
    const s = this.s;
    if (isTerminal(s)) return this.emit(finishCommand(s));
    // A result that arrives past the deadline is still recorded; then the job times out.
    const overdue = s.deadline !== undefined && this.now >= s.deadline;
    if (s.pending) {
      const pending = s.pending;
      const command = overdue && !result ? undefined : this.resume(pending, result);
      if (overdue) return this.emit(isTerminal(s) ? finishCommand(s) : this.timeOut(pending));
      if (command) return this.emit(command);
    } else if (result) {
      throw new StaleResultError('(no pending step)', undefined, result.attempt ?? 0);
    }
    if (overdue) return this.emit(this.timeOut(null));
    return this.emit(await this.loop());
  }

  private timeOut(pending: Pending | null): Command {
    const s = this.s;
    const error: JobError = {
      stepId: pending?.stepId ?? '',
      stepKey: pending?.stepKey ?? '',
      kind: 'timeout',
      message: `job exceeded its timeout (deadline ${new Date(s.deadline ?? 0).toISOString()})`,
    };
    return this.failJob(error) ?? finishCommand(s);
  }

  private emit(command: Command): Advance {
    return { state: this.s, command, records: this.records };
  }

  private top(): Frame | undefined {
    return this.s.stack[this.s.stack.length - 1];
  }

  private step(id: string): CompiledStep {
    const step = this.recipe.steps.get(id);
    if (!step) throw new Error(`job state names step "${id}", which this recipe version does not have`);
    return step;
  }

  /** Step id plus the index of every enclosing forEach iteration: `post[2][0]`. */
  private stepKeyFor(stepId: string): string {
    let key = stepId;
    for (const frame of this.s.stack) if (frame.kind === 'forEach') key += `[${frame.index}]`;
    return key;
  }

  private context(): EvaluationContext {
    const s = this.s;
    const ctx: EvaluationContext = { trigger: s.trigger, steps: s.steps, vars: s.vars, job: s.job };
    for (const frame of s.stack) {
      if (frame.kind !== 'forEach') continue;
      const item = frame.items[frame.index];
      ctx['item'] = item;
      ctx['index'] = frame.index;
      const as = this.step(frame.stepId).as;
      if (as) ctx[as] = item;
    }
    return ctx;
  }

  private evaluate(node: TemplateNode): unknown {
    if (node.kind === 'const') return node.value;
    this.clock ??= clockBindings(this.now);
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
    }
  }

  /** Completes (or re-issues) the pending command; undefined means the job moves on. */
  private resume(p: Pending, result: StepResult | undefined): Outcome {
    const s = this.s;
    if (p.kind === 'delay') {
      if (this.now < p.until) return this.commandFor(p);
      return this.complete(this.step(p.stepId), p.stepKey, { until: p.until });
    }
    if (p.kind === 'respond') {
      if (!result) return this.commandFor(p);
      return this.complete(this.step(p.stepId), p.stepKey, p.response);
    }
    if (p.waitUntil !== undefined) {
      // A late result of the attempt that already failed changes nothing while we wait.
      if (this.now < p.waitUntil) return this.commandFor(p);
      delete p.waitUntil;
      delete p.waitReason;
      return this.commandFor(p);
    }
    if (!result) return this.commandFor(p);
    if (result.attempt !== undefined && result.attempt !== p.attempt) throw new StaleResultError(p.stepKey, p.attempt, result.attempt);
    const step = this.step(p.stepId);
    if (result.ok) return this.complete(step, p.stepKey, result.output ?? null, p.input, p.attempt);

    const raw = result.error ?? { kind: 'fatal', message: 'failed without an error' };
    const kind: StepErrorKind = KNOWN_KINDS.has(raw.kind) ? raw.kind : 'fatal';
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
      return this.commandFor(p);
    }
    s.pending = null;
    if (kind === 'retryable' || kind === 'rate_limited') error.message = `${error.message} (gave up after ${p.attempt} attempts)`;
    return this.fail(step, error, p.input);
  }

  /** Stores a step's output and moves the cursor past it. */
  private complete(step: CompiledStep, stepKey: string, output: unknown, input?: unknown, attempt?: number): undefined {
    this.s.steps[step.id] = output;
    this.s.pending = null;
    const record: StepRecord = { stepId: step.id, stepKey, kind: step.kind, status: 'succeeded', output };
    if (input !== undefined) record.input = input;
    if (attempt !== undefined) record.attempt = attempt;
    this.records.push(record);
    const frame = this.top();
    if (frame?.kind === 'list') frame.index += 1;
    return undefined;
  }

  /**
   * A step failed for good: the nearest enclosing `try` (still in its try phase) takes the error
   * and runs its catch; with none, the job fails with its cursor left on the step for a rerun.
   */
  private fail(step: CompiledStep, error: JobError, input?: unknown): Outcome {
    const record: StepRecord = { stepId: step.id, stepKey: error.stepKey, kind: step.kind, status: 'failed', error };
    if (input !== undefined) record.input = input;
    if (error.attempt !== undefined) record.attempt = error.attempt;
    this.records.push(record);
    return this.failJob(error);
  }

  private failJob(error: JobError): Outcome {
    const s = this.s;
    const stack = s.stack;
    let i = stack.length - 1;
    if (error.kind !== 'timeout' && error.kind !== 'stopped') {
      while (i >= 0) {
        const frame = stack[i];
        if (frame.kind === 'try' && frame.phase === 'try') break;
        i--;
      }
    } else i = -1;
    if (i < 0) {
      s.status = 'failed';
      s.error = error;
      s.pending = null;
      return finishCommand(s);
    }
    const frame = stack[i] as Extract<Frame, { kind: 'try' }>;
    stack.length = i + 1;
    frame.phase = 'catch';
    s.steps[frame.stepId] = { failed: true, error };
    const catchList = this.step(frame.stepId).lists.catch;
    if (catchList) stack.push({ kind: 'list', list: catchList, index: 0 });
    return undefined;
  }

  private async loop(): Promise<Command> {
    const s = this.s;
    for (;;) {
      const frame = this.top();
      if (!frame) {
        s.status = 'succeeded';
        return finishCommand(s);
      }
      if (frame.kind !== 'list') {
        this.leaveContainer(frame);
        continue;
      }
      const list = this.recipe.lists.get(frame.list);
      if (!list) throw new Error(`job state names step list "${frame.list}", which this recipe version does not have`);
      if (frame.index >= list.length) {
        s.stack.pop();
        continue;
      }
      const command = await this.enter(list[frame.index], frame);
      if (command) return command;
    }
  }

  /** The list above a container ended (or it has none): the next iteration, or past try/catch. */
  private leaveContainer(frame: Exclude<Frame, { kind: 'list' }>): void {
    const s = this.s;
    const step = this.step(frame.stepId);
    if (frame.kind === 'forEach') {
      frame.index += 1;
      if (frame.index < frame.items.length && step.lists.body) {
        s.stack.push({ kind: 'list', list: step.lists.body, index: 0 });
        return;
      }
      s.stack.pop();
      this.record(step, { count: frame.items.length });
      s.steps[step.id] = { count: frame.items.length };
      return;
    }
    s.stack.pop();
    if (frame.phase === 'try') s.steps[step.id] = { failed: false };
    this.record(step, s.steps[step.id]);
  }

  private record(step: CompiledStep, output: unknown): void {
    this.records.push({ stepId: step.id, stepKey: this.stepKeyFor(step.id), kind: step.kind, status: 'succeeded', output });
  }

  /** Runs one step at the cursor; returns the command when the step needs the outside world. */
  private async enter(step: CompiledStep, frame: Extract<Frame, { kind: 'list' }>): Promise<Outcome> {
    const s = this.s;
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
      case 'callRecipe': {
        const pending: Pending = { kind: 'invoke', stepId: step.id, stepKey, input: value, attempt: 1, deferrals: 0 };
        s.pending = pending;
        return this.commandFor(pending);
      }
      case 'set': {
        const values = (value ?? {}) as Record<string, unknown>;
        Object.assign(s.vars, values);
        return this.complete(step, stepKey, values);
      }
      case 'if': {
        const branch = truthy(value) ? 'then' : 'else';
        this.complete(step, stepKey, { branch });
        const list = step.lists[branch];
        if (list) s.stack.push({ kind: 'list', list, index: 0 });
        return undefined;
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
          return undefined;
        }
        s.stack.push({ kind: 'forEach', stepId: step.id, items, index: 0 }, { kind: 'list', list: step.lists.body, index: 0 });
        return undefined;
      }
      case 'try':
        frame.index += 1;
        s.stack.push({ kind: 'try', stepId: step.id, phase: 'try' });
        if (step.lists.try) s.stack.push({ kind: 'list', list: step.lists.try, index: 0 });
        return undefined;
      case 'delay': {
        const until = value as number;
        if (until <= this.now) return this.complete(step, stepKey, { until });
        const pending: Pending = { kind: 'delay', stepId: step.id, stepKey, until };
        s.pending = pending;
        return this.commandFor(pending);
      }
      case 'respond': {
        const reply = (value ?? {}) as Record<string, unknown>;
        const status = reply['status'] === undefined ? 200 : Number(reply['status']);
        if (!Number.isInteger(status) || status < 100 || status > 599) {
          return this.fail(step, { stepId: step.id, stepKey, kind: 'invalid', message: `respond status ${JSON.stringify(reply['status'])} is not an HTTP status` });
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries((reply['headers'] ?? {}) as Record<string, unknown>)) headers[k] = typeof v === 'string' ? v : JSON.stringify(v);
        const pending: Pending = { kind: 'respond', stepId: step.id, stepKey, response: { status, headers, body: reply['body'] ?? null } };
        s.pending = pending;
        return this.commandFor(pending);
      }
      case 'stop': {
        const reason = value === null || value === undefined ? undefined : String(value);
        this.complete(step, stepKey, { reason: reason ?? null });
        const error: JobError = { stepId: step.id, stepKey, kind: 'stopped', message: reason ?? `stopped by step "${step.id}"` };
        if (step.failed) return this.failJob(error);
        s.status = 'stopped';
        if (reason !== undefined) s.error = error;
        return finishCommand(s);
      }
    }
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
