import type { Recipe } from '@junction/executor/contracts';

import type { Command, Frame, JobState } from './job-state';
import { ROOT_LIST } from './recipe-compiler';
import { seedFor } from './retry';
import { compileRecipe } from './validate-recipe';

export interface StartOptions {
  /** Epoch ms: the job's start, for `job.startedAt` and the `settings.timeout` deadline. */
  now?: number;
  /** More fields visible to expressions as `job.*` (recipe id, version, workspace…). */
  job?: Record<string, unknown>;
}

/** A new job's state: nothing evaluated yet, the cursor before the first step. */
export function start(recipe: Recipe, trigger: unknown, jobId: string, options: StartOptions = {}): JobState {
  const compiled = compileRecipe(recipe);
  const state: JobState = {
    version: 1,
    jobId,
    status: 'running',
    seed: seedFor(jobId),
    group: 0,
    job: { ...options.job, id: jobId },
    trigger,
    steps: {},
    vars: {},
    stack: [{ kind: 'list', list: ROOT_LIST, index: 0 }],
    pending: null,
  };
  if (options.now !== undefined) {
    state.job.startedAt = new Date(options.now).toISOString();
    if (compiled.timeoutMs !== undefined) state.deadline = options.now + compiled.timeoutMs;
  }
  return state;
}

/**
 * A failed job made runnable again from its failed step; completed steps keep their outputs.
 * In a parallel forEach, every lane that was running when the job failed starts its current step
 * again (its abandoned command may or may not have reached the provider; the new attempt group
 * gives it a new key, as for the failed step); iterations that had completed are not run again.
 * The same holds for the branches of a parallel step: completed branches are not run again.
 */
export function rerun(recipe: Recipe, state: JobState, options: { now: number }): JobState {
  if (state.status !== 'failed') throw new Error(`only a failed job can be rerun; this one is ${state.status}`);
  const compiled = compileRecipe(recipe);
  const next: JobState = { ...state, status: 'running', group: state.group + 1, pending: null, stack: state.stack.map(withoutPending) };
  delete next.error;
  if (compiled.timeoutMs !== undefined) next.deadline = options.now + compiled.timeoutMs;
  return next;
}

function withoutPending(frame: Frame): Frame {
  if (frame.kind === 'parallel') return { ...frame, lanes: frame.lanes.map((lane) => ({ index: lane.index, stack: lane.stack.map(withoutPending), pending: null })) };
  // a branch that failed (or was cancelled by another's failure) starts its current step again; completed branches are gone
  if (frame.kind === 'branches') return { ...frame, lanes: frame.lanes.map((lane) => ({ branch: lane.branch, stack: lane.stack.map(withoutPending), pending: null })) };
  return { ...frame };
}

/** A job ended by an operator: terminal, its pending command abandoned. */
export function cancel(state: JobState): JobState {
  if (isTerminal(state)) return state;
  return { ...state, status: 'cancelled', pending: null };
}

export function isTerminal(state: JobState): boolean {
  return state.status !== 'running';
}

export function finishCommand(state: JobState): Command {
  switch (state.status) {
    case 'succeeded':
    case 'cancelled':
      return { type: 'finish', status: state.status };
    case 'stopped':
      return { type: 'finish', status: 'stopped', reason: state.error?.message };
    case 'failed':
      return { type: 'finish', status: 'failed', error: state.error };
    case 'running':
      throw new Error('a running job has no finish command');
  }
}
