import type { Actor, DeadLetterSummary, DeadLetterView } from '@junction/executor/contracts';
import type { DeadLetterRow } from '@junction/executor/data-access';
import { redact } from './redact';
import { sourceOf } from './trigger-events';

export function toDeadLetterSummary(row: DeadLetterRow): DeadLetterSummary {
  return {
    id: row.id,
    ...(row.recipeId ? { recipeId: row.recipeId } : {}),
    source: sourceOf(row.subject),
    reason: row.reason,
    detail: row.detail,
    deliveryCount: row.deliveryCount,
    createdAt: new Date(row.createdAt).toISOString(),
    state: row.redrivenAt ? 'redriven' : 'dead',
    ...(row.redrivenAt ? { redrivenAt: new Date(row.redrivenAt).toISOString() } : {}),
    ...(row.redrivenBy ? { redrivenBy: row.redrivenBy as Actor } : {}),
    ...(row.jobId ? { jobId: row.jobId } : {}),
  };
}

/** With the event as received, secret-looking values redacted as in a job's trigger. */
export function toDeadLetterView(row: DeadLetterRow): DeadLetterView {
  return { ...toDeadLetterSummary(row), ...(row.event === null || row.event === undefined ? {} : { event: redact(row.event) }) };
}
