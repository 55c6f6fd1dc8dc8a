import type { JobStepView, JobSummary, JobView, RecipeView, RerunView } from '@junction/executor/contracts';
import type { JobRow, JobStepRow, RecipeRow } from '@junction/executor/data-access';
import { traceIdOf } from '@junction/platform/ports';
import { redact } from './redact';

const iso = (d: Date | string | null | undefined): string | undefined => (d ? new Date(d).toISOString() : undefined);

export function toRecipeView(row: RecipeRow, definition: Record<string, unknown>): RecipeView {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    state: row.state,
    ...(row.managedBy ? { managedBy: row.managedBy } : {}),
    ...(row.activeVersion ? { activeVersion: row.activeVersion } : {}),
    definition,
    ...(row.hookId ? { webhookUrl: `/hooks/${row.hookId}` } : {}),
    createdAt: iso(row.createdAt) as string,
    updatedAt: iso(row.updatedAt) as string,
  };
}

export function toJobSummary(row: JobRow): JobSummary {
  return {
    id: row.id,
    recipeId: row.recipeId,
    recipeVersion: row.recipeVersion,
    status: row.status,
    dedupeKey: row.dedupeKey,
    createdAt: iso(row.createdAt) as string,
    ...(row.startedAt ? { startedAt: iso(row.startedAt) } : {}),
    ...(row.finishedAt ? { finishedAt: iso(row.finishedAt) } : {}),
    ...(row.error ? { error: redact(row.error) } : {}),
    ...(row.alert ? { alert: { recipeId: row.alert.recipeId, jobId: row.alert.jobId, at: row.alert.at } } : {}),
  };
}

export function toJobView(row: JobRow, steps: JobStepRow[]): JobView {
  const state = row.state as { steps?: unknown } | null;
  return {
    ...toJobSummary(row),
    ...(row.dedupe ? { dedupe: { key: row.dedupe.key, window: row.dedupe.window } } : {}),
    ...traceIdView(row.traceparent),
    trigger: redact(row.trigger),
    ...(state?.steps ? { output: redact(state.steps) } : {}),
    ...(row.reply ? { reply: redact(row.reply) } : {}),
    steps: steps.map(toStepView),
    ...((row.state as { reruns?: RerunView[] } | null)?.reruns?.length ? { reruns: (row.state as { reruns: RerunView[] }).reruns } : {}),
  };
}

function traceIdView(traceparent: string | null | undefined): { traceId?: string } {
  const traceId = traceIdOf(traceparent ?? undefined);
  return traceId ? { traceId } : {};
}

function toStepView(step: JobStepRow): JobStepView {
  const startedAt = new Date(step.startedAt);
  const finishedAt = new Date(step.finishedAt);
  return {
    seq: step.seq,
    stepId: step.stepId,
    stepKey: step.stepKey,
    kind: step.kind,
    status: step.status,
    ...(step.attempt !== null ? { attempt: step.attempt } : {}),
    group: step.attemptGroup,
    ...(step.input !== null ? { input: step.input } : {}),
    ...(step.output !== null ? { output: step.output } : {}),
    ...(step.error !== null ? { error: step.error } : {}),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: Math.max(0, finishedAt.getTime() - startedAt.getTime()),
  };
}
