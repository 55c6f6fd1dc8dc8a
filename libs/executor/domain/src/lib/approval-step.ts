import type { Command, Pending } from './job-state';
import type { CompiledStep } from './recipe-compiler';

/** The event name a decision is delivered under (keyed by the approval id); `$` names are the platform's own. */
export const APPROVAL_EVENT = '$approval';

export type ApprovalPending = Extract<Pending, { kind: 'approval' }>;

export type ApprovalDecision = 'approved' | 'rejected';

/** What an approval step outputs once decided. */
export interface ApprovalOutput {
  decision: ApprovalDecision;
  approved: boolean;
  comment: string | null;
  /** Who decided: `api_key:<id>`, `user:<id>` or `link` (a signed link, which names no one). */
  by: string;
  /** When, ISO 8601. */
  at: string;
}

/** The command for each phase of an approval step; `idempotencyKey` (job, step key, attempt group) keys the stored approval and the notify call. */
export function approvalCommand(p: ApprovalPending, step: CompiledStep, idempotencyKey: string): Command {
  if (p.phase === 'create') {
    return { type: 'approval', stepId: p.stepId, stepKey: p.stepKey, title: p.title, description: p.description, expiresAt: p.expiresAt, idempotencyKey };
  }
  if (p.phase === 'notify') {
    if (p.waitUntil !== undefined) return { type: 'wait', until: p.waitUntil, reason: p.waitReason ?? 'retry', stepId: p.stepId, stepKey: p.stepKey };
    const command: Command = {
      type: 'invoke',
      stepId: p.stepId,
      stepKey: p.stepKey,
      action: step.action ?? '',
      input: p.input ?? {},
      attempt: p.attempt,
      maxAttempts: step.retry.maxAttempts,
      idempotencyKey,
    };
    if (step.connection !== undefined) command.connection = step.connection;
    return command;
  }
  return { type: 'await', stepId: p.stepId, stepKey: p.stepKey, event: { name: APPROVAL_EVENT, key: p.ticket?.id ?? '' }, until: p.expiresAt };
}

/** The step's output (PRODUCT §3: `{ decision, by, comment, at }`, plus `approved`) from the decision event's data, which uses the same names. */
export function decisionOutput(data: unknown): ApprovalOutput {
  const d = (data !== null && typeof data === 'object' ? data : {}) as Record<string, unknown>;
  const decision: ApprovalDecision = d['decision'] === 'approved' ? 'approved' : 'rejected';
  return {
    decision,
    approved: decision === 'approved',
    comment: typeof d['comment'] === 'string' ? d['comment'] : null,
    by: typeof d['by'] === 'string' ? d['by'] : 'unknown',
    at: typeof d['at'] === 'string' ? d['at'] : '',
  };
}
