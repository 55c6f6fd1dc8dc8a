import type { JobRow } from '@junction/executor/data-access';
import type { Command, StepRecord, StepResult } from '@junction/executor/domain';
import { traced, type SpanAttributes, type SpanRecorder, type SpanSpec } from '@junction/platform/ports';

/**
 * The spans of a job's work (tracing on; with it off only the trace context is kept): one `job run`
 * per driving of the job (a re-drive after a crash or a lost lease is another one in the same
 * trace, as the job stores the context of the event that made it), one span per step under it.
 * Attributes are ids, kinds and outcomes: never a step's input, output or error message.
 */
export function jobRunSpan(row: JobRow): SpanSpec {
  return {
    parent: row.traceparent ?? '',
    workspaceId: row.workspaceId,
    attributes: {
      'junction.job.id': row.id,
      'junction.recipe.id': row.recipeId,
      'junction.recipe.version': row.recipeVersion,
      'junction.workspace.id': row.workspaceId,
      'junction.job.trigger_kind': row.triggerKind,
      // driven before: a checkpoint was written, or the claim that handed the job here was not its
      // first (revision 1 is the first claim's); a job whose first checkpoint is folded into the next
      // one (job-driver.ts) has no state yet when a crash cuts its first call
      'junction.job.redriven': row.state !== null || row.revision > 1,
    },
  };
}

const COMMAND_KINDS: Record<Exclude<Command['type'], 'finish'>, string> = {
  invoke: 'action',
  call: 'callRecipe',
  wait: 'wait',
  respond: 'respond',
  approval: 'approval',
  await: 'await',
};

/** The span of one command the driver runs: an action call, a called recipe, a wait, a reply. */
export function commandSpan(command: Exclude<Command, { type: 'finish' }>): { name: string; spec: SpanSpec } {
  const attributes: SpanAttributes = {
    'junction.step.id': command.stepId,
    'junction.step.key': command.stepKey,
    'junction.step.kind': COMMAND_KINDS[command.type],
  };
  if (command.type === 'invoke') Object.assign(attributes, { 'junction.step.action': command.action, 'junction.step.attempt': command.attempt });
  if (command.type === 'call') Object.assign(attributes, { 'junction.step.recipe': command.recipeId, 'junction.step.attempt': command.attempt });
  if (command.type === 'wait') attributes['junction.step.wait_reason'] = command.reason;
  return { name: `${command.type === 'wait' ? 'wait' : 'step'} ${command.stepId}`, spec: { attributes } };
}

/** A command's outcome on its span: `succeeded`, or `failed` with the error's kind (span status error). */
export function recordStepResult(span: SpanRecorder, result: StepResult | undefined, parked: boolean): void {
  if (parked) return span.set({ 'junction.step.status': 'waiting' });
  if (!result) return;
  if (result.ok) return span.set({ 'junction.step.status': 'succeeded' });
  const kind = result.error?.kind ?? 'error';
  span.set({ 'junction.step.status': 'failed', 'junction.step.error_kind': kind });
  span.fail(kind);
}

// steps the engine settles itself, inside an advance: they issue no command, so no span covers them
const COMMAND_STEP_KINDS = new Set(['action', 'callRecipe', 'delay', 'respond', 'approval', 'waitFor']);

/** An instant span for each control step (`if`, `set`, `forEach`, …) an advance settled. */
export function recordControlSteps(records: StepRecord[]): void {
  for (const record of records) {
    if (COMMAND_STEP_KINDS.has(record.kind)) continue;
    const attributes = { 'junction.step.id': record.stepId, 'junction.step.key': record.stepKey, 'junction.step.kind': record.kind, 'junction.step.status': record.status };
    traced(`step ${record.stepId}`, { attributes }, (span) => {
      if (record.status === 'failed') span.fail(record.error?.kind ?? 'failed');
    });
  }
}

/** The job's state after a checkpoint, on its `job run` span. */
export function recordJobStatus(span: SpanRecorder, status: string): void {
  span.set({ 'junction.job.status': status });
  if (status === 'failed') span.fail('failed');
}
