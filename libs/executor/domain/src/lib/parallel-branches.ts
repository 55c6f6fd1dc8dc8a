import type { BranchLane, Frame, JobError } from './job-state';
import type { CompiledRecipe, CompiledStep } from './recipe-compiler';

/** The pieces of the `parallel` step kind that need no cursor: its frame, its joined output, its failure under mode `all`. */

export type BranchesFrame = Extract<Frame, { kind: 'branches' }>;

/** Every branch of `step` as a lane at the start of its list: they all run from the same advance on. */
export function startBranches(step: CompiledStep): BranchesFrame {
  const lanes: BranchLane[] = (step.branches ?? []).map((b) => ({ branch: b.name, stack: [{ kind: 'list', list: b.list, index: 0 }], pending: null }));
  return { kind: 'branches', stepId: step.id, lanes };
}

/**
 * `{ <branch>: { <step id>: output } }` over each branch's top-level steps. Read when every branch
 * has completed: each of those steps ran in this execution of the step, so `steps` holds its output.
 */
export function joinedOutput(step: CompiledStep, recipe: CompiledRecipe, steps: Readonly<Record<string, unknown>>): Record<string, Record<string, unknown>> {
  const output: Record<string, Record<string, unknown>> = {};
  for (const branch of step.branches ?? []) {
    const outputs: Record<string, unknown> = {};
    for (const inner of recipe.lists.get(branch.list) ?? []) if (inner.id in steps) outputs[inner.id] = steps[inner.id];
    output[branch.name] = outputs;
  }
  return output;
}

/**
 * Mode `all`, every branch ended and these failed: the step's error, of the kind of the first
 * failed branch in document order, naming every failed branch; each branch's own error is in
 * `details.branches`.
 */
export function branchesFailure(step: CompiledStep, stepKey: string, failed: readonly BranchLane[]): JobError {
  const errors = failed.filter((l): l is BranchLane & { error: JobError } => l.error !== undefined);
  const first = errors[0].error;
  const message = errors.map((l) => `branch "${l.branch}" failed at step "${l.error.stepId}": ${l.error.message}`).join('; ');
  return {
    stepId: step.id,
    stepKey,
    kind: first.kind,
    message,
    details: { branches: Object.fromEntries(errors.map((l) => [l.branch, l.error])) },
  };
}
