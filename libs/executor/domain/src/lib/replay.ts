import type { Recipe } from '@junction/executor/contracts';

import type { ExpressionOffload } from './expression';
import { advance } from './interpreter';
import { start } from './job-lifecycle';
import { commandId, type Command, type JobState, type StepRecord, type StepResult } from './job-state';
import { fieldChanges, sameJson, type FieldChange } from './replay-diff';
import type { StepErrorKind } from './retry';
import { compileRecipe } from './validate-recipe';

/** One step row of a recorded job, as the executor keeps it (inputs and outputs already redacted). */
export interface RecordedStep {
  stepId: string;
  stepKey: string;
  kind: string;
  status: string;
  input: unknown;
  output: unknown;
  error: unknown;
  /** Epoch ms: the engine clock of the advance that wrote the row. */
  finishedAt: number;
}

/** A past job as replay reads it: its trigger, its last checkpoint (for the seed, `job.*` and the outputs) and its step rows in order. */
export interface RecordedJob {
  id: string;
  status: string;
  trigger: unknown;
  /** The stored engine state without its trigger; null for a job that never started. */
  state: { seed?: number; job?: Record<string, unknown>; steps?: Record<string, unknown> } | null;
  /** Epoch ms: when the job started (or was received, if it never started). */
  startedAt: number;
  steps: RecordedStep[];
}

/**
 * How step data is shown, the same way the executor writes step rows: each connector action's
 * sensitive fields and secret-looking keys replaced. `action` is undefined for steps that are not actions.
 */
export interface ReplayRedaction {
  input(action: string | undefined, value: unknown): unknown;
  output(action: string | undefined, value: unknown): unknown;
}

export interface ReplayOptions {
  /** The version being replayed (visible to expressions as `job.recipeVersion`). */
  version: number;
  /** The version the job ran on: which of its steps were actions, for redacting its outputs. */
  ran: Recipe;
  redaction: ReplayRedaction;
  offload?: ExpressionOffload;
  /** Commands one replay may work through before it is cut short (a runaway loop). */
  maxCommands?: number;
}

export type StepChange = 'same' | 'inputChanged' | 'added' | 'removed';

export interface ReplayedStep {
  stepKey: string;
  stepId: string;
  change: StepChange;
  /** The fields of the rendered input that differ from the recording (a call's input; another step's rendered value). */
  inputDiff?: FieldChange[];
  /** For a step that calls out (action, callRecipe, a wait on the outside world): answered from the recording, or a call it would make anew. */
  served?: 'recorded' | 'anew';
}

/** A call the new version would make that the recording cannot answer: the replay sent nothing. */
export interface ReplayCall {
  stepKey: string;
  stepId: string;
  /** `connector.action`, `recipe:<id>` for a callRecipe, or the command type of another wait. */
  action: string;
  connection?: string;
  /** The rendered input, redacted. */
  input: unknown;
  /** `inputChanged`: the recording has the step with another input; `added`: it does not have the step; `unfinished`: it has it, never ended (or failed before sending). */
  reason: 'inputChanged' | 'added' | 'unfinished';
  /** What the replay continued with: the recorded outcome, or `null` as the output of a call it has no answer for. */
  continuedWith: 'recorded' | 'null';
}

export interface JobReplay {
  jobId: string;
  steps: ReplayedStep[];
  calls: ReplayCall[];
  output: { before: unknown; after: unknown; diff: FieldChange[] };
  status: { before: string; after: string };
  /** Some call was not answered by its own recording: what follows it is a best guess. */
  approximate: boolean;
  /** Set when the engine could not replay the job (the reason); `status.after` is then `error`. */
  error?: string;
}

const CALLS = new Set(['action', 'callRecipe']);
// `timeout`: a recorded wait on the outside world (an event, an approval) that ran out
const REPLAYABLE_KINDS = new Set<string>(['retryable', 'rate_limited', 'fatal', 'auth', 'uncertain', 'timeout']);
const GAVE_UP = / \(gave up after \d+ attempts\)$/;
const FINAL = new Set(['succeeded', 'failed', 'uncertain']);

/**
 * Runs `recipe` over a recorded job's trigger, sending nothing: every call is answered from the
 * recorded step of the same key when the rendered (redacted) input equals the recorded one, and
 * marked as a call made anew otherwise — the replay then continues with the recorded outcome if the
 * step was recorded, or `null` if not. Waits resolve at once; a `respond` answers nobody. The clock
 * is the recording's: the job's start, then each served step's recorded time; the retry seed and
 * `job.*` are the job's. Pure: same arguments, same report.
 */
export async function replayJob(recipe: Recipe, recorded: RecordedJob, options: ReplayOptions): Promise<JobReplay> {
  const { redaction } = options;
  const compiled = compileRecipe(recipe);
  const actionOf = (stepId: string) => compiled.steps.get(stepId)?.action;
  const rows = finalRows(recorded.steps);
  const served = new Map<string, 'recorded' | 'anew'>();
  const calls: ReplayCall[] = [];
  const approvals = new Set<string>();

  /**
   * The answer to a call: the recorded outcome of its step key when there is one (and, with
   * `input`, when the redacted input is the recorded one), else `null` as output; the first
   * command of a step key decides whether it is served from the recording or listed as a call anew.
   */
  const serve = (command: Command & { stepKey: string; stepId: string }, input: { value: unknown } | undefined): StepResult => {
    const row = rows.get(command.stepKey);
    const outcome = row ? outcomeOf(row) : undefined;
    if (!served.has(command.stepKey)) {
      const shown = input && asStored(redaction.input(command.type === 'invoke' ? command.action : undefined, input.value));
      const sameInput = row !== undefined && (!input || sameJson(row.input, shown));
      const same = sameInput && outcome !== undefined;
      served.set(command.stepKey, same ? 'recorded' : 'anew');
      if (!same) {
        const call: ReplayCall = {
          stepKey: command.stepKey,
          stepId: command.stepId,
          action: describeCall(command),
          input: shown ?? null,
          reason: !row ? 'added' : sameInput ? 'unfinished' : 'inputChanged',
          continuedWith: outcome ? 'recorded' : 'null',
        };
        if (command.type === 'invoke' && command.connection !== undefined) call.connection = command.connection;
        calls.push(call);
      }
    }
    return { ...(outcome ?? { ok: true, output: null }), stepKey: command.stepKey };
  };

  let now = recorded.startedAt;
  let state: JobState = start(recipe, recorded.trigger, recorded.id, { now });
  if (typeof recorded.state?.seed === 'number') state.seed = recorded.state.seed;
  state.job = { ...state.job, ...recorded.state?.job, id: recorded.id, recipeVersion: options.version };
  // the recording's timings are not a run's: a replay never times out
  delete state.deadline;

  const records: StepRecord[] = [];
  let error: string | undefined;
  let ended = false;
  try {
    let result: StepResult | undefined;
    let inFlight: Command[] = [];
    for (let i = 0; i < (options.maxCommands ?? 10_000); i++) {
      const next = await advance(recipe, state, { now, result, offload: options.offload });
      state = next.state;
      records.push(...next.records);
      result = undefined;
      if (next.command.type === 'finish') {
        ended = true;
        break;
      }
      const live = new Map(next.commands.map((c) => [commandId(c), c]));
      inFlight = inFlight.filter((c) => live.has(commandId(c)));
      const known = new Set(inFlight.map(commandId));
      for (const [id, c] of live) if (!known.has(id)) inFlight.push(c);
      // lanes complete in the order their recorded steps did (unrecorded ones last)
      const command = inFlight.splice(earliest(inFlight, rows), 1)[0];
      ({ result, now } = complete(command, now, rows, serve, approvals));
    }
    if (!ended) error = `the replay was cut short after ${options.maxCommands ?? 10_000} commands`;
  } catch (failure) {
    error = failure instanceof Error ? failure.message : String(failure);
  }

  const steps = compareSteps(records, rows, served, (stepId) => compiled.steps.get(stepId)?.kind, actionOf, redaction);
  const ranCompiled = compileRecipe(options.ran);
  const before = redactSteps(recorded.state?.steps ?? {}, (id) => ranCompiled.steps.get(id)?.action, redaction);
  const after = redactSteps(state.steps, actionOf, redaction);
  const report: JobReplay = {
    jobId: recorded.id,
    steps,
    calls,
    output: { before, after, diff: fieldChanges(before, after) },
    status: { before: recorded.status, after: error ? 'error' : state.status },
    approximate: calls.length > 0,
  };
  if (error) report.error = error;
  return report;
}

type Serve = (command: Command & { stepKey: string; stepId: string }, input: { value: unknown } | undefined) => StepResult;

/** The event name an approval's decision arrives under (the approval step's own `await`). */
const APPROVAL_EVENT = '$approval';

/**
 * The result of one command in a replay and the engine clock after it: nothing leaves the process.
 * Waits on the outside world (`await` of a waitFor or an approval) are answered with the step's
 * recorded output (their step rows keep no input to compare); an approval is created nowhere: its
 * ticket is a placeholder and its notify call is answered with `null` (the recording keeps no
 * notify input either), the decision then comes from the recorded output.
 */
function complete(command: Command, now: number, rows: Map<string, RecordedStep>, serve: Serve, approvals: Set<string>): { result?: StepResult; now: number } {
  if (command.type === 'wait') return { now: Math.max(now, command.until) };
  if (command.type === 'respond') return { result: { ok: true, stepKey: command.stepKey }, now };
  if (command.type === 'finish') throw new Error('a finish command is never in flight');
  const call = command as Command & { stepKey: string; stepId: string; input?: unknown; expiresAt?: number };
  const type: string = call.type;
  const at = Math.max(now, rows.get(call.stepKey)?.finishedAt ?? now);
  if (type === 'approval') {
    approvals.add(call.stepKey);
    const ticket = { id: `replay:${call.stepKey}`, approveUrl: '', rejectUrl: '', expiresAt: new Date(call.expiresAt ?? now).toISOString() };
    return { result: { ok: true, output: ticket, stepKey: call.stepKey }, now };
  }
  if (approvals.has(call.stepKey) && type === 'invoke') return { result: { ok: true, output: null, stepKey: call.stepKey }, now };
  if (type === 'await') {
    const result = serve(call, undefined);
    if (approvals.has(call.stepKey) && result.ok) return { result: { ...result, output: { name: APPROVAL_EVENT, data: result.output ?? null } }, now: at };
    return { result, now: at };
  }
  // an invoke or a call: answered from the recording when its input is the recorded one
  return { result: serve(call, { value: call.input ?? null }), now: at };
}

function describeCall(command: Command): string {
  if (command.type === 'invoke') return command.action;
  if (command.type === 'call') return `recipe:${command.recipeId}`;
  return command.type;
}

/** Index of the in-flight command whose recorded step finished first; waits and respond before calls of the same time. */
function earliest(inFlight: readonly Command[], rows: Map<string, RecordedStep>): number {
  let best = 0;
  let bestAt = Infinity;
  inFlight.forEach((c, i) => {
    const at = c.type === 'wait' ? c.until : c.type === 'finish' ? Infinity : (rows.get(c.stepKey)?.finishedAt ?? Number.MAX_SAFE_INTEGER);
    if (at < bestAt) [best, bestAt] = [i, at];
  });
  return best;
}

/** The row that ended each step key (the last succeeded/failed/uncertain one, else the last one): retries and reruns collapse to their end. */
function finalRows(steps: readonly RecordedStep[]): Map<string, RecordedStep> {
  const out = new Map<string, RecordedStep>();
  for (const row of steps) {
    const held = out.get(row.stepKey);
    if (!held || FINAL.has(row.status) || !FINAL.has(held.status)) out.set(row.stepKey, row);
  }
  return out;
}

/**
 * What a recorded call came to, as a result the engine takes: its output, or its failure with the
 * same kind and message (a retryable one is retried, each attempt answered the same, so the
 * recipe's retry policy decides again). Undefined when the step never ended or failed before it was sent.
 */
function outcomeOf(row: RecordedStep): StepResult | undefined {
  if (row.status === 'succeeded') return { ok: true, output: row.output ?? null };
  if (row.status !== 'failed' && row.status !== 'uncertain') return undefined;
  const error = (row.error ?? {}) as { kind?: string; message?: unknown; details?: unknown };
  const kind = (row.status === 'uncertain' ? 'uncertain' : error.kind) as StepErrorKind;
  if (!REPLAYABLE_KINDS.has(kind)) return undefined;
  const failure: Extract<StepResult, { ok: false }>['error'] = { kind, message: String(error.message ?? '').replace(GAVE_UP, '') };
  if (error.details !== undefined) failure.details = error.details;
  return { ok: false, error: failure };
}

/**
 * Each step the replay ran against the recording, in the order the replay ended them, then the
 * recorded steps it did not run (`removed`). A call compares its rendered input; any other step its
 * rendered value (the `set`'s values, the `if`'s branch…), as the step rows keep them.
 */
function compareSteps(
  records: readonly StepRecord[],
  rows: Map<string, RecordedStep>,
  served: Map<string, 'recorded' | 'anew'>,
  kindOf: (stepId: string) => string | undefined,
  actionOf: (stepId: string) => string | undefined,
  redaction: ReplayRedaction,
): ReplayedStep[] {
  const last = new Map<string, StepRecord>();
  for (const r of records) {
    last.delete(r.stepKey);
    last.set(r.stepKey, r);
  }
  const out: ReplayedStep[] = [];
  for (const r of last.values()) {
    const call = CALLS.has(kindOf(r.stepId) ?? r.kind);
    const row = rows.get(r.stepKey);
    const now = asStored(call ? redaction.input(actionOf(r.stepId), r.input) : redaction.output(undefined, r.output));
    const then = asStored(row ? (call ? row.input : row.output) : undefined);
    const step: ReplayedStep = { stepKey: r.stepKey, stepId: r.stepId, change: !row ? 'added' : sameJson(then, now) ? 'same' : 'inputChanged' };
    if (step.change === 'inputChanged') step.inputDiff = fieldChanges(then, now);
    const how = served.get(r.stepKey);
    if (how) step.served = how;
    out.push(step);
  }
  for (const row of rows.values()) if (!last.has(row.stepKey)) out.push({ stepKey: row.stepKey, stepId: row.stepId, change: 'removed' });
  return out;
}

/** A job's outputs by step id as the API shows them: each action's output with its sensitive fields replaced. */
function redactSteps(steps: Record<string, unknown>, actionOf: (stepId: string) => string | undefined, redaction: ReplayRedaction): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, value] of Object.entries(steps)) out[id] = asStored(redaction.output(actionOf(id), value));
  return out;
}

/** A value as a jsonb column gives it back: undefined fields gone, undefined itself null. */
function asStored(value: unknown): unknown {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
}
