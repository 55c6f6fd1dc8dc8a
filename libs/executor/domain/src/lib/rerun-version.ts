import type { Recipe } from '@junction/executor/contracts';

import type { Frame, JobState } from './job-state';
import { rerun } from './job-lifecycle';
import type { CompiledRecipe } from './recipe-compiler';
import { compileRecipe } from './validate-recipe';

/** Reruns kept in a job's state: enough to read the story of a job rerun again and again, bounded. */
const RERUN_HISTORY_MAX = 20;

/** One rerun as the job remembers it and the API answers it. */
export interface RerunRecord {
  at: string;
  /** `ran`: the version the job ran on; `latest`: the recipe's newest version. */
  basis: 'ran' | 'latest';
  /** The version the job ran on before this rerun. */
  fromVersion: number;
  /** The version this rerun runs on. */
  version: number;
  /** Completed steps whose outputs are kept: they do not run again. */
  kept: string[];
  /** Steps of `version` without a kept output: they run when the cursor reaches them, the failed step first. */
  again: string[];
  /** Completed steps whose ids are gone from `version`: their outputs are dropped. */
  dropped: string[];
}

/** A rerun that cannot continue the failed job on the version asked for; `reason` says why. */
export class RerunConflictError extends Error {
  override readonly name = 'RerunConflictError';
  constructor(readonly reason: string) {
    super(reason);
  }
}

export interface RerunTarget {
  /** The recipe version the job failed on. */
  ran: { version: number; recipe: Recipe };
  /** The version to continue on: the same one, or the recipe's latest. */
  on: { version: number; recipe: Recipe };
  basis: 'ran' | 'latest';
  now: number;
}

/**
 * A failed job made runnable again, on the version it ran or on another one (the recipe's latest).
 * On another version, the cursor is moved to where the same steps are there: every step on the
 * path to the failed step must still exist in the same block (the failed step itself may have
 * changed, that is the point of the fix). Completed steps whose ids still exist keep their outputs
 * and do not run again; outputs of steps the version no longer has are dropped. A version that adds
 * a step before the failed one is refused: the cursor is already past it, so it would never run.
 */
export function rerunOn(state: JobState, target: RerunTarget): { state: JobState; record: RerunRecord } {
  const old = compileRecipe(target.ran.recipe);
  const neu = target.on.version === target.ran.version ? old : compileRecipe(target.on.recipe);
  let moved = state;
  if (neu !== old) {
    const oldTrigger = target.ran.recipe.trigger?.type;
    const newTrigger = target.on.recipe.trigger?.type;
    if (oldTrigger !== newTrigger) throw new RerunConflictError(`the trigger type changed from ${oldTrigger} to ${newTrigger} in version ${target.on.version}`);
    const failed = state.error?.stepId;
    if (failed && !neu.steps.has(failed)) throw new RerunConflictError(`the failed step "${failed}" no longer exists in version ${target.on.version}`);
    const stack = remapStack(state.stack, old, neu, target.on.version);
    if (failed) {
      const at = (neu.steps.get(failed) as { order: number }).order;
      const added = [...neu.steps.values()].find((s) => !old.steps.has(s.id) && s.order < at);
      if (added) {
        throw new RerunConflictError(
          `step "${added.id}" was added before the failed step "${failed}" in version ${target.on.version}; a rerun continues from the failed step, so it would never run`,
        );
      }
    }
    const steps = Object.fromEntries(Object.entries(state.steps).filter(([id]) => neu.steps.has(id)));
    moved = { ...state, stack, steps, job: { ...state.job, recipeVersion: target.on.version } };
  }
  const next = rerun(target.on.recipe, moved, { now: target.now });
  const kept = Object.keys(moved.steps);
  const record: RerunRecord = {
    at: new Date(target.now).toISOString(),
    basis: target.basis,
    fromVersion: target.ran.version,
    version: target.on.version,
    kept,
    again: [...neu.steps.keys()].filter((id) => !(id in moved.steps)),
    dropped: Object.keys(state.steps).filter((id) => !(id in moved.steps)),
  };
  next.reruns = [...(state.reruns ?? []), record].slice(-RERUN_HISTORY_MAX);
  return { state: next, record };
}

/**
 * A cursor of one version as a cursor of another. A list frame under another frame points just
 * past the container it entered (that container is named by the frame above it); the top list
 * frame of a thread points at the step to run, the failed one.
 */
function remapStack(stack: Frame[], old: CompiledRecipe, neu: CompiledRecipe, version: number, inLane = false): Frame[] {
  return stack.map((frame, i) => {
    const above = stack[i + 1];
    switch (frame.kind) {
      case 'list': {
        const oldList = old.lists.get(frame.list) ?? [];
        const newList = neu.lists.get(frame.list);
        if (!newList) throw new RerunConflictError(`the block "${frame.list}" the failed step ran in no longer exists in version ${version}`);
        if (above) {
          const container = above.kind === 'list' ? above.list.split('/')[0] : above.stepId;
          const at = newList.findIndex((s) => s.id === container);
          if (at < 0) throw new RerunConflictError(`step "${container}", which the failed step ran inside, is no longer in block "${frame.list}" in version ${version}`);
          if (inLane) refuseAddedBefore(newList.slice(0, at), old, container, frame.list, version);
          return { ...frame, index: at + 1 };
        }
        if (frame.index >= oldList.length) {
          if (inLane) refuseAddedBefore(newList, old, undefined, frame.list, version);
          return { ...frame, index: newList.length };
        }
        const id = oldList[frame.index].id;
        const at = newList.findIndex((s) => s.id === id);
        if (at < 0) throw new RerunConflictError(`step "${id}" is no longer in block "${frame.list}" in version ${version}`);
        if (inLane) refuseAddedBefore(newList.slice(0, at), old, id, frame.list, version);
        return { ...frame, index: at };
      }
      case 'forEach':
      case 'try':
      case 'parallel': {
        const kind = frame.kind === 'parallel' ? 'forEach' : frame.kind;
        const step = neu.steps.get(frame.stepId);
        if (step?.kind !== kind) throw new RerunConflictError(`step "${frame.stepId}", which the failed step ran inside, is no longer a ${kind} step in version ${version}`);
        if (frame.kind === 'forEach' && step.concurrency)
          throw new RerunConflictError(`forEach "${frame.stepId}" runs its items in parallel in version ${version}, not one at a time`);
        if (frame.kind === 'parallel') {
          if (!step.concurrency) throw new RerunConflictError(`forEach "${frame.stepId}" runs its items one at a time in version ${version}, not in parallel`);
          return { ...frame, lanes: frame.lanes.map((lane) => ({ ...lane, stack: remapStack(lane.stack, old, neu, version, true) })) };
        }
        return { ...frame };
      }
      case 'branches': {
        const step = neu.steps.get(frame.stepId);
        if (step?.kind !== 'parallel') throw new RerunConflictError(`step "${frame.stepId}", which the failed step ran inside, is no longer a parallel step in version ${version}`);
        const before = new Set(old.steps.get(frame.stepId)?.branches?.map((b) => b.name));
        const added = step.branches?.find((b) => !before.has(b.name));
        if (added)
          throw new RerunConflictError(`branch "${added.name}" was added to parallel step "${frame.stepId}" in version ${version}; the step had started, so it would never run`);
        return { ...frame, lanes: frame.lanes.map((lane) => ({ ...lane, stack: remapStack(lane.stack, old, neu, version, true) })) };
      }
    }
  });
}

/**
 * A lane (a branch, a parallel forEach iteration) continues at its own cursor, which may lie after
 * the failed step in document order, where rerunOn's check of added steps does not look: a step
 * added before that cursor in the lane's block would be skipped without a word.
 */
function refuseAddedBefore(before: readonly { id: string }[], old: CompiledRecipe, at: string | undefined, list: string, version: number): void {
  const added = before.find((s) => !old.steps.has(s.id));
  if (!added) return;
  const where = at ? `before step "${at}"` : 'before the end';
  throw new RerunConflictError(`step "${added.id}" was added ${where} of block "${list}" in version ${version}, which a running lane had passed, so it would never run`);
}
